// Lengths as the API server counts them: UTF-8 bytes, not characters (src/k8s/names.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dns1123Label, labelKey, labelValue } from '../../src/k8s/names.js';

describe('name and label lengths', () => {
  it('count UTF-8 bytes, ASCII or not', () => {
    assert.deepEqual(labelValue('a'.repeat(63)), []);
    assert.ok(labelValue('a'.repeat(64)).includes('must be no more than 63 bytes'));
    // 32 characters, 64 bytes: too long, and not of the allowed characters either
    const wide = 'é'.repeat(32);
    assert.ok(labelValue(wide).includes('must be no more than 63 bytes'));
    assert.ok(!labelValue('é'.repeat(31)).includes('must be no more than 63 bytes'));
    assert.ok(labelKey(`x/${'😀'.repeat(16)}`).includes('name part must be no more than 63 bytes'));
    assert.ok(!labelKey(`x/${'😀'.repeat(15)}`).includes('name part must be no more than 63 bytes'));
    assert.ok(dns1123Label('ü'.repeat(32)).includes('must be no more than 63 bytes'));
  });
});
