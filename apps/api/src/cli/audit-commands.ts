import { Option, type Command } from 'commander';

/** `facegate audit ...`: the audit log's hash chain, checked from the command line (read-only). */
export function addAuditCommands(program: Command): Command {
  const audit = program.command('audit').description("check the API's audit log (DATABASE_URL; default the SQLite file the API uses)");
  audit
    .command('verify')
    .description(
      'check the hash chain of the audit log: an event edited, inserted or deleted, or a link broken, is reported (exit status 1)',
    )
    .option(
      '--head <seq:hash>',
      'a head printed by an earlier run, kept elsewhere: the chain must still contain it (a rewrite of the whole chain shows)',
    )
    .addOption(new Option('--json', 'print exactly one JSON object on stdout'))
    .action(async (options: { json?: boolean; head?: string }) => {
      const head = options.head ? parseHead(options.head) : undefined;
      // The database alone, migrated: no recognition pool, no key needed (the chain is not secret).
      const [{ createDb }, { loadConfig }, { verifyAuditChain }] = await Promise.all([
        import('../db/create-db.ts'),
        import('../config.ts'),
        import('../services/audit-chain.ts'),
      ]);
      const db = createDb({ databaseUrl: loadConfig().DATABASE_URL });
      try {
        await db.migrate();
        const report = await verifyAuditChain(db.prisma, { head });
        if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
        else {
          const counts = `${report.events} events, ${report.links} links${report.erased ? `, ${report.erased} with a person erased` : ''}${report.beforeChain ? `, ${report.beforeChain} from before the chain (not covered)` : ''}`;
          const where = report.head ? `; head ${report.head.seq}:${report.head.hash}` : '';
          process.stdout.write(
            report.ok
              ? `audit chain intact: ${counts}${where}\n`
              : `audit chain BROKEN at ${report.broken!.seq === null ? 'an event outside the chain' : `link ${report.broken!.seq}`}: ${report.broken!.problem} (${counts})\n`,
          );
        }
        if (!report.ok) process.exitCode = 1;
      } finally {
        await db.close();
      }
    });
  return program;
}

function parseHead(text: string): { seq: number; hash: string } {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  if (!match) throw new Error('--head is <seq>:<hash> as printed by facegate audit verify');
  return { seq: Number(match[1]), hash: match[2]! };
}
