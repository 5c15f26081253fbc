import { Command } from 'commander';
import { CHECK_IDS } from '../audit/checks/index.js';
import { defaultConfig, parseConfig } from '../audit/config.js';
import type { EnforcementState } from '../audit/context.js';
import { enforcementFromAddon, enforcementFromCluster, enforcementFromDescribeAddonJson } from '../audit/enforcement.js';
import { runAudit } from '../audit/run.js';
import { SEVERITY_RANK, type FindingSeverity } from '../audit/types.js';
import { parseDocuments } from '../k8s/yaml.js';
import { auditJunit } from '../report/audit/junit.js';
import { auditMarkdown } from '../report/audit/markdown.js';
import { auditSarif } from '../report/audit/sarif.js';
import { auditText } from '../report/audit/text.js';
import { describeVpcCniAddon } from '../sources/aws-eks.js';
import { readText } from '../sources/files.js';
import { defaultDbPath, HistoryStore } from '../store/history.js';
import { addEksOptions, eksChoice, type DataplaneFlags } from './dataplane.js';
import { addClusterNameOption, recordedCluster } from './cluster-name.js';
import { addInputOptions, liveReader, loadCluster, parseOutput, printWarnings, wantsLive, type InputFlags } from './inputs.js';
import { readPolicyEndpoints } from '../sources/policy-endpoints.js';
import { LiveError } from '../sources/live.js';
import type { WrittenEndpoints } from '../eks/drift.js';
import { paint, UsageError, type CliIO } from './io.js';
import { VERSION } from './version.js';

interface Flags extends InputFlags, DataplaneFlags {
  addonConfig?: string;
  cluster?: string;
  region?: string;
  config?: string;
  output?: string;
  failOn?: string;
  record?: boolean;
  db?: string;
  clusterName?: string;
}

const FORMATS = ['text', 'json', 'sarif', 'junit', 'md'] as const;

/** The controller's PolicyEndpoints for eks-drift; a role that may not list them costs that check only, said on stderr. */
async function writtenEndpoints(flags: Flags, io: CliIO): Promise<WrittenEndpoints | undefined> {
  try {
    return await readPolicyEndpoints(await liveReader(flags), true);
  } catch (e) {
    if (!(e instanceof LiveError) || !/^forbidden/.test(e.message)) throw e;
    io.err(`podwall: warning: eks-drift skipped: ${e.message}\n`);
    return undefined;
  }
}

export function auditCommand(io: CliIO, setCode: (code: number) => void): Command {
  const cmd = new Command('audit')
    .description('guardrails and KPIs: enforcement, default-deny coverage, DNS, allow-all and stale rules, CIS EKS checks, EKS data-plane hazards')
    .option('--addon-config <file>', 'the JSON printed by `aws eks describe-addon --addon-name vpc-cni`')
    .option('--cluster <name>', 'read the vpc-cni add-on live with the AWS SDK (standard credential chain)')
    .option('--region <region>', 'AWS region for --cluster (default: AWS_REGION / the shared config)')
    .option('--config <file>', 'podwall.yaml: exempt namespaces, required labels, owner key, severities, disabled checks')
    .option('-o, --output <format>', FORMATS.join('|'), 'text')
    .option('--fail-on <severity>', 'exit 1 when a finding reaches this severity: error, warning or info', 'error')
    .option('--record', 'store this run\'s KPIs and findings in the history database')
    .option('--db <path>', `history database (default: ${defaultDbPath()})`);
  addClusterNameOption(cmd, 'with --record: the cluster the run is recorded for, as serve and history scope by it (default: --cluster, else the kubeconfig context, else the input files)');
  addInputOptions(cmd);
  addEksOptions(cmd);
  return cmd.action(async (flags: Flags) => {
    const output = parseOutput(flags.output, FORMATS);
    const failOn = flags.failOn as FindingSeverity;
    if (!(failOn in SEVERITY_RANK)) throw new UsageError(`--fail-on must be error, warning or info, got ${JSON.stringify(flags.failOn)}`);
    if (flags.addonConfig && flags.cluster) throw new UsageError('--addon-config and --cluster exclude each other');
    if (flags.region && !flags.cluster) throw new UsageError('--region goes with --cluster');
    // a database that cannot be written is said before the work, not after it
    if (flags.clusterName !== undefined && !flags.record) throw new UsageError('--cluster-name names the cluster of a recorded run: give --record too');
    const recordFor = flags.record ? await recordedCluster(flags, io, flags.cluster) : undefined;
    const store = flags.record ? new HistoryStore(flags.db ?? defaultDbPath(io.env), { warn: (m) => io.err(`podwall: warning: ${m}\n`), ...(recordFor ? { cluster: recordFor } : {}) }) : undefined;
    const config = flags.config ? parseConfig(parseDocuments(readText(flags.config), flags.config), flags.config, CHECK_IDS) : defaultConfig();
    const cluster = await loadCluster(flags, io);
    const enforcement: EnforcementState[] = enforcementFromCluster(cluster);
    if (flags.addonConfig) enforcement.push(enforcementFromDescribeAddonJson(readText(flags.addonConfig), flags.addonConfig));
    if (flags.cluster) enforcement.push(enforcementFromAddon(await describeVpcCniAddon(flags.cluster, flags.region), `eks:${flags.cluster}`, `vpc-cni add-on of ${flags.cluster}`));

    const choice = eksChoice(flags, cluster);
    // a live EKS cluster: what the controller wrote, for eks-drift (a cluster without the controller has none)
    const endpoints = wantsLive(flags, io) ? await writtenEndpoints(flags, io) : undefined;
    const onCheck = io.progress ? (id: string, i: number, n: number): void => io.progress!.step(`audit: ${id} (check ${i + 1} of ${n})`) : undefined;
    const result = runAudit(cluster, config, enforcement, { version: choice.version, compute: choice.compute, controller: choice.controller, ...(endpoints ? { endpoints } : {}) }, onCheck);
    io.progress?.end();
    printWarnings(cluster, io);
    let text: string;
    switch (output) {
      case 'json':
        text = JSON.stringify({ kpis: result.kpis, findings: result.findings }, null, 2) + '\n';
        break;
      case 'sarif':
        text = auditSarif(result, VERSION);
        break;
      case 'junit':
        text = auditJunit(result, config.disabled);
        break;
      case 'md':
        text = auditMarkdown(result);
        break;
      default:
        text = auditText(result, (color, s) => paint(io, color, s));
    }
    if (store) {
      try {
        const label = flags.cluster ?? flags.filename?.join(',') ?? flags.context ?? 'live cluster';
        const id = store.recordAudit(result, label);
        io.err(`podwall: recorded run ${id} in ${store.path}\n`);
      } finally {
        store.close();
      }
    }
    io.out(text);
    // a loop, not Math.max(...): a large cluster has more findings than a call takes arguments
    const worst = result.findings.reduce((w, f) => Math.max(w, SEVERITY_RANK[f.severity]), 0);
    setCode(worst >= SEVERITY_RANK[failOn] ? 1 : 0);
  });
}
