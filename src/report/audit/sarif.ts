/** SARIF 2.1.0: stable rule ids and locations, so code scanning tracks findings across runs. */
import { CHECKS } from '../../audit/checks/index.js';
import type { AuditResult } from '../../audit/run.js';
import type { FindingSeverity } from '../../audit/types.js';

const LEVEL: Record<FindingSeverity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

export function auditSarif(r: AuditResult, version: string): string {
  const rules = CHECKS.map((c) => ({
    id: c.id,
    name: c.id.replace(/(^|-)(\w)/g, (_, _d, ch: string) => ch.toUpperCase()),
    shortDescription: { text: c.title },
    fullDescription: { text: c.help },
    help: { text: c.help },
    defaultConfiguration: { level: LEVEL[c.severity] },
    properties: { tags: ['security', 'kubernetes', 'network-policy', ...(c.cis ? c.cis.map((x) => `CIS-EKS-${x}`) : [])] },
  }));
  const index = new Map(rules.map((x, i) => [x.id, i]));
  const results = r.findings.map((f) => ({
    ruleId: f.check,
    ruleIndex: index.get(f.check)!,
    level: LEVEL[f.severity],
    message: { text: `${f.message}. Fix: ${f.remedy}` },
    ...(f.location && !f.location.file.startsWith('<')
      ? {
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.location.file.replace(/\\/g, '/').replace(/^\.\//, '') },
                ...(f.location.line !== undefined ? { region: { startLine: f.location.line } } : {}),
              },
              logicalLocations: [{ name: f.object, kind: 'object' }],
            },
          ],
        }
      : { locations: [{ logicalLocations: [{ name: f.object, kind: 'object' }] }] }),
    // the same finding keeps the same fingerprint across runs, whatever its line
    partialFingerprints: { 'podwall/v1': `${f.check}:${f.object}:${hash(f.message)}` },
  }));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'podwall', version, rules } }, results }],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

function hash(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16);
}
