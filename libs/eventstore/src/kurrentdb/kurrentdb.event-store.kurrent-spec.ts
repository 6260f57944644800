/**
 * KurrentDB tier: the shared contract suite against a real KurrentDB node. No default jest project matches
 * `*.kurrent-spec.ts`; run it with scripts/test-kurrentdb.sh, which reports "NOT RUN" and exits 0 when
 * KURRENTDB_CONNECTION_STRING is unset (e.g. `kurrentdb://127.0.0.1:2113?tls=false`).
 *
 * The suite shares one server: every contract test uses fresh stream names and reads $all after the head
 * it saw, so earlier runs and the server's own `$` events do not get in the way.
 */
import { eventStoreContract } from '../testing/event-store.contract';
import { KurrentDbEventStore } from './kurrentdb.event-store';

const connectionString = process.env.KURRENTDB_CONNECTION_STRING;
if (!connectionString) {
  // fail loudly rather than register skipped or empty tests: this file is only meant to run when it is set
  throw new Error('KURRENTDB_CONNECTION_STRING is not set: run scripts/test-kurrentdb.sh (see README "KurrentDB")');
}

jest.setTimeout(20_000);

eventStoreContract('kurrentdb', async () => {
  const store = new KurrentDbEventStore({ connectionString });
  try {
    await store.ping();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
});

describe('kurrentdb event store without a server', () => {
  // port 1 on loopback: nothing listens there, the connection is refused at once
  const unreachable = 'kurrentdb://127.0.0.1:1?tls=false';

  it('rejects ping() with a clear error within 5 s', async () => {
    const store = new KurrentDbEventStore({ connectionString: unreachable });
    const started = Date.now();
    await expect(store.ping()).rejects.toThrow(/^KurrentDB ping to kurrentdb:\/\/127\.0\.0\.1:1 failed \(unavailable/);
    expect(Date.now() - started).toBeLessThan(5_500);
    await store.close();
  });

  it('rejects appends and reads instead of hanging', async () => {
    const store = new KurrentDbEventStore({ connectionString: unreachable });
    await expect(store.append('s-1', [{ type: 'A', data: {} }])).rejects.toThrow(/UNAVAILABLE|unavailable/i);
    await expect(store.readAll()).rejects.toBeDefined();
    await store.close();
  });
});
