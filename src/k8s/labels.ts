import type { Cursor } from './cursor.js';
import { invalidValue, labelKey, labelValue } from './names.js';

export type Labels = Readonly<Record<string, string>>;

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface Requirement {
  key: string;
  operator: SelectorOperator;
  values: readonly string[];
}

/** A Kubernetes LabelSelector: every requirement must hold; no requirements selects everything. */
export interface Selector {
  requirements: readonly Requirement[];
  /** Canonical text, used to share work between equal selectors. */
  key: string;
}

export const EVERYTHING: Selector = { requirements: [], key: '{}' };

const OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** A label map (metadata.labels, matchLabels): string keys and values the API server accepts. */
export function parseLabels(c: Cursor): Labels {
  const labels = c.stringMap();
  for (const [key, value] of Object.entries(labels)) {
    const keyErrors = labelKey(key);
    if (keyErrors.length) c.fail(invalidValue(key, keyErrors));
    const valueErrors = labelValue(value);
    if (valueErrors.length) c.field(key).fail(invalidValue(value, valueErrors));
  }
  return labels;
}

export function parseSelector(c: Cursor): Selector {
  if (c.missing) return EVERYTHING;
  c.object();
  c.onlyKeys(['matchLabels', 'matchExpressions']);
  const requirements: Requirement[] = [];
  const labels = parseLabels(c.field('matchLabels'));
  for (const [key, value] of Object.entries(labels)) requirements.push({ key, operator: 'In', values: [value] });
  for (const e of c.field('matchExpressions').items()) {
    e.object();
    e.onlyKeys(['key', 'operator', 'values']);
    const keyCursor = e.field('key');
    const key = keyCursor.string();
    const keyErrors = labelKey(key);
    if (keyErrors.length) keyCursor.fail(invalidValue(key, keyErrors));
    const opCursor = e.field('operator');
    const op = opCursor.string();
    if (!OPERATORS.includes(op as SelectorOperator)) {
      opCursor.fail(`unknown selector operator ${JSON.stringify(op)} (expected In, NotIn, Exists or DoesNotExist)`);
    }
    const values = e.field('values').items().map((v) => {
      const text = v.string();
      const errors = labelValue(text);
      if (errors.length) v.fail(invalidValue(text, errors));
      return text;
    });
    const operator = op as SelectorOperator;
    if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
      e.field('values').fail(`operator ${operator} needs at least one value`);
    }
    if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
      e.field('values').fail(`operator ${operator} takes no values`);
    }
    requirements.push({ key, operator, values });
  }
  return makeSelector(requirements);
}

export function makeSelector(requirements: Requirement[]): Selector {
  const sorted = [...requirements].sort((a, b) => (a.key + a.operator).localeCompare(b.key + b.operator));
  const key = sorted.length === 0 ? '{}' : sorted.map((r) => `${r.key} ${r.operator} (${[...r.values].sort().join(',')})`).join('; ');
  return { requirements: sorted, key };
}

export function selectorFromLabels(labels: Labels): Selector {
  return makeSelector(Object.entries(labels).map(([key, value]) => ({ key, operator: 'In' as const, values: [value] })));
}

export function matches(selector: Selector, labels: Labels): boolean {
  for (const r of selector.requirements) if (!requirementHolds(r, labels)) return false;
  return true;
}

export function requirementHolds(r: Requirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.operator) {
    case 'In':
      return has && r.values.includes(labels[r.key]!);
    case 'NotIn':
      return !has || !r.values.includes(labels[r.key]!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

/** The first requirement that fails, for "why did this not match" explanations. */
export function firstFailure(selector: Selector, labels: Labels): Requirement | undefined {
  return selector.requirements.find((r) => !requirementHolds(r, labels));
}

export function describeRequirement(r: Requirement): string {
  switch (r.operator) {
    case 'In':
      return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${r.values.join(', ')})`;
    case 'NotIn':
      return `${r.key} notin (${r.values.join(', ')})`;
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
  }
}

export function describeSelector(s: Selector): string {
  return s.requirements.length === 0 ? 'all' : s.requirements.map(describeRequirement).join(',');
}
