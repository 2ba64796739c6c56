// Reads vitest's JSON report: fails when lab tests were skipped or absent, prints the closing count.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let passed = 0, failed = 0, skipped = 0, labPassed = 0, labSkipped = 0;
for (const file of report.testResults) {
  const isLab = file.name.includes('/test/lab/');
  for (const t of file.assertionResults) {
    if (t.status === 'passed') { passed++; if (isLab) labPassed++; }
    else if (t.status === 'failed') failed++;
    else { skipped++; if (isLab) labSkipped++; }
  }
}
console.log(`lab tests: ${labPassed} passed, ${labSkipped} skipped`);
if (labPassed === 0 || labSkipped > 0) {
  console.error('error: the lab tests must run here (root, iproute2, nftables, iptables, conntrack); none may be skipped');
  process.exit(1);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
