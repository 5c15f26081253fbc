/**
 * The CI action's entry point (scripts/ci-action.mjs): inputs from INPUT_* variables (action.yml
 * passes them), the pull request from the GitHub event, outputs to GITHUB_OUTPUT and the comment to
 * GITHUB_STEP_SUMMARY. Exit 0 when the thresholds hold, 1 when not, 2 on bad input or a fault.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { SEVERITY_RANK, type FindingSeverity } from '../audit/types.js';
import { formatDiagnostic, InputError } from '../k8s/errors.js';
import { GitHubApiError, RestGitHubApi } from './github.js';
import { runCi, type CiContext, type CiInputs } from './run.js';

class ActionInputError extends Error {}

/** A list input: one item a line, or separated by commas or spaces. */
function list(v: string | undefined): string[] {
  return (v ?? '').split(/[\n,]+|\s+/).map((s) => s.trim()).filter(Boolean);
}

function count(env: NodeJS.ProcessEnv, name: string, fallback?: number): number | undefined {
  const v = (env[`INPUT_${name.toUpperCase().replace(/-/g, '_')}`] ?? '').trim();
  if (v === '') return fallback;
  if (!/^\d+$/.test(v)) throw new ActionInputError(`input ${name} must be a whole number, got ${JSON.stringify(v)}`);
  return Number(v);
}

export function inputsFromEnv(env: NodeJS.ProcessEnv): CiInputs {
  const manifests = list(env.INPUT_MANIFESTS);
  if (!manifests.length) throw new ActionInputError('input manifests is required: the files or directories of your manifests');
  const failOn = (env.INPUT_FAIL_ON || 'error').trim();
  if (failOn !== 'none' && !(failOn in SEVERITY_RANK)) throw new ActionInputError(`input fail-on must be error, warning, info or none, got ${JSON.stringify(failOn)}`);
  const mode = (env.INPUT_ENFORCING_MODE ?? '').trim();
  if (mode && mode !== 'standard' && mode !== 'strict') throw new ActionInputError(`input enforcing-mode must be standard or strict, got ${JSON.stringify(mode)}`);
  const maxNewlyAllowed = count(env, 'max-newly-allowed');
  const maxNewlyDenied = count(env, 'max-newly-denied');
  return {
    manifests,
    flowLogs: list(env.INPUT_FLOW_LOGS),
    thresholds: {
      failOn: failOn as FindingSeverity | 'none',
      ...(maxNewlyAllowed !== undefined ? { maxNewlyAllowed } : {}),
      ...(maxNewlyDenied !== undefined ? { maxNewlyDenied } : {}),
      maxWouldBlock: count(env, 'max-would-block', 0)!,
    },
    ...(env.INPUT_BASE_REF?.trim() ? { baseRef: env.INPUT_BASE_REF.trim() } : {}),
    sarifFile: env.INPUT_SARIF_FILE?.trim() || 'podwall.sarif',
    ...(env.INPUT_CONFIG?.trim() ? { config: env.INPUT_CONFIG.trim() } : {}),
    ...(mode ? { enforcingMode: mode as 'standard' | 'strict' } : {}),
    comment: (env.INPUT_COMMENT ?? 'true').trim() !== 'false',
  };
}

function pullRequestFromEvent(env: NodeJS.ProcessEnv): CiContext['pullRequest'] {
  if (!env.GITHUB_EVENT_PATH) return undefined;
  let event: { pull_request?: { number: number; base?: { sha?: string; ref?: string }; head?: { ref?: string } } };
  try {
    event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'));
  } catch (e) {
    throw new ActionInputError(`cannot read the GitHub event ${env.GITHUB_EVENT_PATH}: ${(e as Error).message}`);
  }
  const pr = event.pull_request;
  if (!pr) return undefined;
  return { number: pr.number, ...(pr.base?.sha ? { baseSha: pr.base.sha } : {}), ...(pr.base?.ref ? { baseRef: pr.base.ref } : {}), ...(pr.head?.ref ? { headRef: pr.head.ref } : {}) };
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const log = (l: string): void => void process.stdout.write(`${l}\n`);
  try {
    const inputs = inputsFromEnv(env);
    const pullRequest = pullRequestFromEvent(env);
    const token = env.INPUT_GITHUB_TOKEN || env.GITHUB_TOKEN;
    const ctx: CiContext = {
      cwd: process.cwd(),
      ...(pullRequest ? { pullRequest } : {}),
      ...(token && env.GITHUB_REPOSITORY ? { github: new RestGitHubApi(env.GITHUB_API_URL || 'https://api.github.com', env.GITHUB_REPOSITORY, token) } : {}),
      log,
      output: (name, value) => {
        if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, `${name}=${value}\n`);
      },
      summary: (md) => {
        if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `${md}\n`);
      },
    };
    return (await runCi(inputs, ctx)).code;
  } catch (e) {
    if (e instanceof InputError) {
      const d = e.diagnostic;
      log(`::error title=podwall${d.file ? `,file=${d.file}` : ''}${d.line !== undefined ? `,line=${d.line}` : ''}::${formatDiagnostic(d)}`);
      return 2;
    }
    if (e instanceof ActionInputError || e instanceof GitHubApiError) {
      log(`::error title=podwall::${e.message}`);
      return 2;
    }
    log(`::error title=podwall::internal error (please report): ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    return 3;
  }
}
