/**
 * One measurement in a fresh process: `measure.mjs <entry.js> <mode> <file>` prints
 * {"ms": …, "cpuMs": …, "rssMb": …, "count": …} (cpuMs: user+system CPU of the whole process, GC threads
 * included — steadier than wall time on a loaded machine). Modes: split (read + split lines: the read floor), json (read +
 * JSON.parse: the floor for a JSON document), iptables (read + parseIptablesSave, every rule translated; count =
 * rules), iptables-on-use (read + parseIptablesSave with rules: 'on-use', what netx does; count = chains, so no rule is
 * translated), nft (read + parseNftJson, every rule), nft-on-use (read + parseNftJson with rules: 'on-use'; count =
 * chains).
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [entry, mode, file] = process.argv.slice(2);
const mod = await import(pathToFileURL(entry).href);
const cpu0 = process.cpuUsage();
const started = process.hrtime.bigint();
const text = readFileSync(file, 'utf8');
let count;
if (mode === 'split') count = text.split('\n').length;
else if (mode === 'json') count = JSON.parse(text).nftables.length;
else if (mode === 'iptables') count = mod.parseIptablesSave(text, { source: file, family: 'ip', origin: 'iptables-nft' }).tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0);
else if (mode === 'iptables-on-use') count = mod.parseIptablesSave(text, { source: file, family: 'ip', origin: 'iptables-nft', rules: 'on-use' }).tables.reduce((n, t) => n + t.chains.length, 0);
else if (mode === 'nft-on-use') count = mod.parseNftJson(text, { source: file, rules: 'on-use' }).tables.reduce((n, t) => n + t.chains.length, 0);
else if (mode === 'nft') count = mod.parseNftJson(text, { source: file }).tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0);
else throw new Error(`unknown mode ${mode}`);
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, rssMb: process.resourceUsage().maxRSS / 1024, count }));
