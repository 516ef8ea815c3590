import type { Reporter, TestModule } from 'vitest/node';

/** CI reads a closing line `N passed, N failed`; vitest's own summary is not in that form. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const m of modules) {
      let failedHere = 0;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') counts.passed += 1;
        else if (state === 'failed') failedHere += 1;
        else counts.skipped += 1;
      }
      // A file can fail with every test passed (a hook or an import failed): count it once.
      counts.failed += failedHere > 0 ? failedHere : m.state() === 'failed' ? 1 : 0;
    }
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
