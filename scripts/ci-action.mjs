#!/usr/bin/env node
// The GitHub action's script (action.yml runs it after building podwall): see src/ci/main.ts.
import { main } from '../dist/src/ci/main.js';

main().then((code) => {
  process.exitCode = code;
});
