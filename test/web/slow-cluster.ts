// A cluster on which the dashboard's EKS views take seconds, honestly: the benchmark's typical cluster (2,500 pods
// in 100 namespaces, 1,500 workloads, generated as bench/ does). The folded graph takes about 5 s on a quiet
// machine, 15 s under load; the page shows its progress after one.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateYaml, SHAPES } from '../../bench/generate.js';

export function slowCluster(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'podwall-progress-')), 'cluster.yaml');
  writeFileSync(file, generateYaml(SHAPES.typical));
  return file;
}
