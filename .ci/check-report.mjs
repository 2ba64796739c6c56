// Reads vitest's JSON reports (MODE=FILE: the kube-proxy mode the cluster project ran in; a bare FILE has
// none): fails when any test was skipped or failed, when no test ran in a lab project, or when a report
// named for a proxy mode has no cluster test passed in it. Prints the counts.
import { readFileSync } from 'node:fs';

const LAB_DIRS = ['/test/lab/', '/test/kube-lab/'];
let passed = 0, failed = 0;
const skipped = [];
const labPassed = Object.fromEntries(LAB_DIRS.map((d) => [d, 0]));
const clusterByMode = {};
for (const arg of process.argv.slice(2)) {
  const [mode, file] = arg.includes('=') ? arg.split('=', 2) : [undefined, arg];
  const report = JSON.parse(readFileSync(file, 'utf8'));
  if (mode) clusterByMode[mode] = 0;
  for (const result of report.testResults) {
    const lab = LAB_DIRS.find((d) => result.name.includes(d));
    for (const t of result.assertionResults) {
      if (t.status === 'passed') {
        passed++;
        if (lab) labPassed[lab]++;
        if (mode && lab === '/test/kube-lab/') clusterByMode[mode]++;
      } else if (t.status === 'failed') failed++;
      else skipped.push(`${result.name.split('/test/')[1] ?? result.name}: ${t.fullName}`);
    }
  }
}
for (const [dir, n] of Object.entries(labPassed)) console.log(`${dir.slice(1, -1)} tests: ${n} passed`);
for (const [mode, n] of Object.entries(clusterByMode)) console.log(`kube-lab tests with kube-proxy in ${mode} mode: ${n} passed`);
console.log(`${passed} passed, ${failed} failed, ${skipped.length} skipped`);
if (skipped.length > 0) {
  console.error(`error: no test may be skipped here (root, the lab's tools and the kube-lab components are installed by .ci/run); skipped:\n  ${skipped.slice(0, 20).join('\n  ')}`);
  process.exit(1);
}
const noLab = Object.entries(labPassed).filter(([, n]) => n === 0).map(([d]) => d);
const noMode = Object.entries(clusterByMode).filter(([, n]) => n === 0).map(([m]) => m);
if (noLab.length > 0 || noMode.length > 0) {
  const where = [...noLab, ...noMode.map((m) => `the cluster project in ${m} mode`)];
  console.error(`error: no test ran in ${where.join(', ')}: the real-kernel and real-cluster labs must run in CI, the cluster in both proxy modes`);
  process.exit(1);
}
process.exit(failed > 0 ? 1 : 0);
