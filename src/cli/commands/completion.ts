import { Argument, type Command } from 'commander';
import { completionScript, SHELLS, type Shell } from '../completion.js';
import type { Io } from '../context.js';
import { withExamples } from '../options.js';

/** `chargeback completion bash|zsh|fish`: the shell's completion script, from this program's commands. */
export function registerCompletion(program: Command, io: Io): void {
  const command = program
    .command('completion')
    .description('print a shell completion script: commands, options, their choices and file names')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action((shell: Shell) => io.stdout(completionScript(program, shell)));
  withExamples(command, [
    'chargeback completion bash > ~/.local/share/bash-completion/completions/chargeback',
    "echo 'source <(chargeback completion zsh)' >> ~/.zshrc",
    'chargeback completion fish > ~/.config/fish/completions/chargeback.fish',
  ]);
}
