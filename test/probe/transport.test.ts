import { describe, expect, it } from 'vitest';
import { CommandTimeout, LocalTransport, NetnsTransport, spawnDump } from '../../src/probe/transport.js';

describe('local and netns transports', () => {
  const local = new LocalTransport();
  it('records argv, stdout, stderr, exit code and duration; failures are results, not throws', async () => {
    const r = await local.exec(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r).toMatchObject({ argv: ['sh', '-c', 'echo out; echo err >&2; exit 3'], stdout: 'out\n', stderr: 'err\n', exitCode: 3 });
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
    expect(await local.exec(['netx-no-such-tool', '-x'])).toMatchObject({ exitCode: 127, stderr: expect.stringMatching(/netx-no-such-tool/) });
  });
  it('stops a command that outlives its bound and throws: a node where a read hangs is not probed', async () => {
    const started = Date.now();
    const err = await local.exec(['sleep', '5'], { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err).toBeInstanceOf(CommandTimeout);
    expect(err).toMatchObject({ code: 'timeout', message: 'node command `sleep 5` on this machine did not finish within 100 ms' });
  });
  it('netns transport records the command, not the ip netns exec prefix', async () => {
    const t = new NetnsTransport('nxl-does-not-exist');
    const r = await t.exec(['true']);
    expect(r.argv).toEqual(['true']);
    expect(r.exitCode).not.toBe(0);
    expect(t.describe()).toEqual({ transport: 'netns:nxl-does-not-exist' });
    expect((await spawnDump(['echo', 'x'], ['recorded'])).argv).toEqual(['recorded']);
  });
});
