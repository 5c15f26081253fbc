/** JUnit XML: one test case per check and object; a finding is a failure. */
import { CHECKS } from '../../audit/checks/index.js';
import type { AuditResult } from '../../audit/run.js';

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function auditJunit(r: AuditResult, disabled: readonly string[]): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  let suites: string[] = [];
  let total = 0;
  let failures = 0;
  for (const c of CHECKS) {
    if (disabled.includes(c.id)) continue;
    const found = r.findings.filter((f) => f.check === c.id);
    const cases = found.length
      ? found.map((f) => {
          const where = f.location ? `${f.location.file}${f.location.line !== undefined ? `:${f.location.line}` : ''}` : '';
          return `    <testcase classname="podwall.${c.id}" name="${xml(f.object)}"><failure type="${f.severity}" message="${xml(f.message)}">${xml(`${f.message}\n${where}\nfix: ${f.remedy}`)}</failure></testcase>`;
        })
      : [`    <testcase classname="podwall.${c.id}" name="${xml(c.title)}"/>`];
    total += cases.length;
    failures += found.length;
    // concat, not push(...cases): a large cluster has more findings than a call takes arguments
    suites = suites.concat(`  <testsuite name="${c.id}" tests="${cases.length}" failures="${found.length}" errors="0" skipped="0">`, cases, '  </testsuite>');
  }
  return out.concat(`<testsuites name="podwall audit" tests="${total}" failures="${failures}" errors="0">`, suites, '</testsuites>').join('\n') + '\n';
}
