/**
 * What the CI action does, given its inputs: audit the manifests (SARIF for code scanning), and on a
 * pull request compare the PR's policies with the base branch's, replay flow logs against them,
 * post or update one comment, and say whether the thresholds hold (exit 1 when not).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { diffClusters, type DiffResult } from '../analysis/diff.js';
import { isPolicyObject, withPolicies } from '../analysis/overlay.js';
import { Replayer, type ReplayResult } from '../analysis/replay.js';
import { CHECK_IDS } from '../audit/checks/index.js';
import { defaultConfig, parseConfig } from '../audit/config.js';
import { enforcementFromCluster } from '../audit/enforcement.js';
import { runAudit } from '../audit/run.js';
import { VERSION } from '../cli/version.js';
import { parseDocuments } from '../k8s/yaml.js';
import { buildCluster, expandLists, type BuildOptions } from '../model/build.js';
import type { Cluster } from '../model/cluster.js';
import { auditSarif } from '../report/audit/sarif.js';
import { expandLogPaths, newStats, readFlowFiles } from '../sources/flow-files.js';
import { readDocuments, readText } from '../sources/files.js';
import { COMMENT_MARKER, renderComment } from './comment.js';
import { gate, type Thresholds } from './gate.js';
import { objectsAtCommit, resolveCommit } from './git.js';
import { upsertComment, type GitHubApi } from './github.js';

export interface CiInputs {
  manifests: string[];
  flowLogs: string[];
  thresholds: Thresholds;
  /** Compare against this ref; default: the pull request's base commit. */
  baseRef?: string;
  sarifFile: string;
  config?: string;
  enforcingMode?: BuildOptions['enforcingMode'];
  comment: boolean;
}

export interface CiContext {
  cwd: string;
  pullRequest?: { number: number; baseSha?: string; baseRef?: string; headRef?: string };
  /** Absent without a token: the comment is then only the step summary. */
  github?: GitHubApi;
  log(line: string): void;
  output(name: string, value: string): void;
  summary(markdown: string): void;
}

export interface CiResult {
  code: 0 | 1;
  diff?: DiffResult;
  replay?: ReplayResult;
  comment?: { id: number; created: boolean };
}

export async function runCi(i: CiInputs, ctx: CiContext): Promise<CiResult> {
  const options: BuildOptions = i.enforcingMode ? { enforcingMode: i.enforcingMode } : {};
  const head = expandLists(readDocuments(i.manifests));
  const headCluster = buildCluster(head, options);
  const config = i.config ? parseConfig(parseDocuments(readText(i.config), i.config), i.config, CHECK_IDS) : defaultConfig();
  const audit = runAudit(headCluster, config, enforcementFromCluster(headCluster));
  writeAtomically(i.sarifFile, auditSarif(audit, VERSION));
  ctx.log(`podwall: audit: ${audit.kpis.findings.error} error, ${audit.kpis.findings.warning} warning, ${audit.kpis.findings.info} info; SARIF in ${i.sarifFile}`);

  const baseRef = i.baseRef || ctx.pullRequest?.baseSha;
  let diff: DiffResult | undefined;
  let baseCluster: Cluster | undefined;
  if (baseRef) {
    const commit = resolveCommit(ctx.cwd, baseRef);
    const basePolicies = objectsAtCommit(ctx.cwd, commit, baseRef, i.manifests).filter(isPolicyObject);
    // the base branch's policies on the PR's workloads: only the policy change counts
    baseCluster = buildCluster(withPolicies(head, basePolicies), options);
    diff = diffClusters(baseCluster, headCluster);
    ctx.log(`podwall: against ${baseRef}: ${diff.newlyAllowed} connections opened, ${diff.newlyDenied} closed`);
  }
  let replay: ReplayResult | undefined;
  if (i.flowLogs.length) {
    // against the base's policies as the current ones, as `podwall replay` does: an observed flow
    // the base denies already is the log's disagreement with the cluster, not the change's doing
    const replayer = new Replayer(headCluster, baseCluster);
    for await (const flow of readFlowFiles(expandLogPaths(i.flowLogs), newStats())) replayer.add(flow);
    replay = replayer.result();
    const apart = replay.alreadyDenied.length ? `; ${replay.alreadyDenied.length} the base's policies deny already (not counted)` : '';
    ctx.log(`podwall: replay: ${replay.observedAllowed} observed allowed flows, ${replay.wouldBlock.length} connections the change would block${apart}`);
  }

  const checks = gate(i.thresholds, audit, diff, replay);
  const headName = ctx.pullRequest?.headRef ?? 'HEAD';
  const body = renderComment({ base: ctx.pullRequest?.baseRef ?? baseRef ?? '', head: headName, audit, ...(diff ? { diff } : {}), ...(replay ? { replay } : {}), checks });
  ctx.summary(body);
  let comment: CiResult['comment'];
  if (ctx.pullRequest && i.comment) {
    if (ctx.github) {
      comment = await upsertComment(ctx.github, ctx.pullRequest.number, COMMENT_MARKER, body);
      ctx.log(`podwall: ${comment.created ? 'posted' : 'updated'} comment ${comment.id} on #${ctx.pullRequest.number}`);
    } else ctx.log('podwall: no GitHub token: the comment is in the step summary only');
  }
  for (const x of checks.filter((c) => !c.ok)) ctx.log(`::error title=podwall::${x.name}: ${x.detail}`);
  const code = checks.some((c) => !c.ok) ? 1 : 0;
  ctx.output('sarif-file', i.sarifFile);
  ctx.output('newly-allowed', String(diff?.newlyAllowed ?? 0));
  ctx.output('newly-denied', String(diff?.newlyDenied ?? 0));
  ctx.output('would-block', String(replay?.wouldBlock.length ?? 0));
  ctx.output('passed', String(code === 0));
  return { code, ...(diff ? { diff } : {}), ...(replay ? { replay } : {}), ...(comment ? { comment } : {}) };
}

/** Nothing half-written: the SARIF appears whole or not at all. */
function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
