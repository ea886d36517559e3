// kigen's command line: the only place that prints results or chooses an exit code.
import { Command, CommanderError } from 'commander';
import { registerDataCommands } from './commands/data-commands.ts';
import { registerDbCommands } from './commands/db-commands.ts';
import { registerOpsCommands } from './commands/ops-commands.ts';
import { registerRunCommand } from './commands/run-command.ts';
import { registerServeCommand } from './commands/serve-command.ts';
import { registerSnapshotCommand } from './commands/snapshot-command.ts';
import { registerStaffCommands } from './commands/staff-commands.ts';
import { registerWorkerCommands } from './commands/worker-commands.ts';
import { exitCodeFor } from './context.ts';
import { dropOutputWhenReaderGoes, setUpProgram } from './program-setup.ts';

export function buildProgram(): Command {
  const program = new Command('kigen')
    .description(
      'Deadline notifications for disability-welfare offices: support-plan renewals and assessments',
    )
    .showHelpAfterError()
    .exitOverride();
  registerDbCommands(program);
  registerRunCommand(program);
  registerOpsCommands(program);
  registerSnapshotCommand(program);
  registerServeCommand(program);
  registerWorkerCommands(program);
  registerDataCommands(program);
  registerStaffCommands(program);
  return setUpProgram(program);
}

async function main(argv: string[]): Promise<number> {
  dropOutputWhenReaderGoes();
  try {
    await buildProgram().parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; anything else commander rejects is a usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    const { code, message } = exitCodeFor(error);
    process.stderr.write(`kigen: ${message}\n`);
    return code;
  }
}

process.exitCode = await main(process.argv);
