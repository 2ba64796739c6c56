// Reads vitest's JSON report: fails when any test was skipped (or none ran in a lab project), prints the counts.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const LAB_DIRS = ['/test/lab/', '/test/kube-lab/'];
let passed = 0, failed = 0;
const skipped = [];
const labPassed = Object.fromEntries(LAB_DIRS.map((d) => [d, 0]));
for (const file of report.testResults) {
  const lab = LAB_DIRS.find((d) => file.name.includes(d));
  for (const t of file.assertionResults) {
    if (t.status === 'passed') { passed++; if (lab) labPassed[lab]++; }
    else if (t.status === 'failed') failed++;
    else skipped.push(`${file.name.split('/test/')[1] ?? file.name}: ${t.fullName}`);
  }
}
for (const [dir, n] of Object.entries(labPassed)) console.log(`${dir.slice(1, -1)} tests: ${n} passed`);
console.log(`${passed} passed, ${failed} failed, ${skipped.length} skipped`);
if (skipped.length > 0) {
  console.error(`error: no test may be skipped here (root, the lab's tools and the kube-lab components are installed by .ci/run); skipped:\n  ${skipped.slice(0, 20).join('\n  ')}`);
  process.exit(1);
}
const noLab = Object.entries(labPassed).filter(([, n]) => n === 0).map(([d]) => d);
if (noLab.length > 0) {
  console.error(`error: no test ran in ${noLab.join(', ')}: the real-kernel and real-cluster labs must run in CI`);
  process.exit(1);
}
process.exit(failed > 0 ? 1 : 0);
