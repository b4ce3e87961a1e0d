// A vitest reporter that lists, after the run, every skipped suite or test with its name: our tests put
// the reason in the name ("... (skipped: TEST_DATABASE_URL is not set)"), and the default reporter
// only counts them. Used by every workspace's vitest.config.ts, so `npm test` says why each skip happened.
import path from 'node:path';
import type { Reporter, TestCase, TestModule, TestSuite } from 'vitest/node';

function skippedUnder(children: Iterable<TestSuite | TestCase>, out: string[]): void {
  for (const child of children) {
    const skipped = child.type === 'suite' ? child.state() === 'skipped' : child.result().state === 'skipped';
    if (skipped) out.push(child.fullName);
    else if (child.type === 'suite') skippedUnder(child.children, out);
  }
}

export default class SkipReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const lines: string[] = [];
    for (const module of testModules) {
      const names: string[] = [];
      skippedUnder(module.children, names);
      const file = path.relative(process.cwd(), module.moduleId);
      for (const name of names) lines.push(`  ${file}: ${name}`);
    }
    if (lines.length > 0) process.stdout.write(`\nSkipped, and why (the reason is in each name):\n${lines.join('\n')}\n`);
  }
}
