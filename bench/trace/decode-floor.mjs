// The floor of any offline answer from a snapshot: read the file, parse its JSON, decode (base64, gunzip) every
// dump of the named nodes into text. `decode-floor.mjs FILE NODE…` prints the characters of dump text decoded.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const [file, ...nodes] = process.argv.slice(2);
const snapshot = JSON.parse(readFileSync(file, 'utf8'));
let chars = 0;
for (const n of nodes) {
  for (const d of Object.values(snapshot.nodes[n].dumps)) {
    chars += (d.encoding === 'gzip+base64' ? gunzipSync(Buffer.from(d.stdout, 'base64')).toString('utf8') : d.stdout).length;
  }
}
process.stdout.write(`${chars}\n`);
