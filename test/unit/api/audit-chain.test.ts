import { type AuditEntry, chainEntry, GENESIS_HASH, verifyChain } from '../../../core/api/audit.js';

const event = (n: number) => ({
  actor: 'apikey:key-1',
  tenantId: 'acme',
  action: 'workload.submit',
  target: `workload/wl-${n}`,
  requestId: `req-${n}`,
});

function chainOf(length: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (let n = 0; n < length; n += 1) {
    entries.push(chainEntry('acme', event(n), `2025-01-15T12:00:0${n}.000Z`, entries.at(-1)));
  }
  return entries;
}

const headOf = (entries: AuditEntry[]) => ({ seq: entries.length, hash: entries.at(-1)?.hash ?? GENESIS_HASH });

describe('audit hash chain', () => {
  it('links each entry to the one before and verifies end to end', () => {
    const entries = chainOf(5);
    expect(entries[0]!.prevHash).toBe(GENESIS_HASH);
    expect(entries[3]!.prevHash).toBe(entries[2]!.hash);
    expect(verifyChain(entries, headOf(entries))).toEqual({ ok: true, checked: 5, headHash: entries[4]!.hash });
  });

  it('reports the first edited entry as a hash mismatch', () => {
    const entries = chainOf(5);
    entries[2] = { ...entries[2]!, target: 'workload/someone-else' };
    expect(verifyChain(entries, headOf(chainOf(5)))).toMatchObject({
      ok: false,
      firstBadIndex: 2,
      reason: 'hash-mismatch',
    });
  });

  it('catches an edit whose hash was recomputed: the next entry no longer links to it', () => {
    const entries = chainOf(5);
    const forged = chainEntry('acme', { ...event(1), action: 'nothing' }, entries[1]!.at, entries[0]);
    entries[1] = forged;
    expect(verifyChain(entries)).toMatchObject({ ok: false, firstBadIndex: 2, reason: 'broken-link' });
  });

  it('catches a removed entry and a truncated tail', () => {
    const entries = chainOf(5);
    const head = headOf(entries);
    expect(verifyChain([...entries.slice(0, 2), ...entries.slice(3)], head)).toMatchObject({
      ok: false,
      firstBadIndex: 2,
      reason: 'sequence-gap',
    });
    expect(verifyChain(entries.slice(0, 4), head)).toMatchObject({
      ok: false,
      firstBadIndex: 4,
      reason: 'head-mismatch',
    });
  });

  it('does not depend on the key order of a stored entry', () => {
    const [entry] = chainOf(1);
    const reordered = Object.fromEntries(Object.entries(entry!).reverse());
    expect(verifyChain([reordered]).ok).toBe(true);
  });
});
