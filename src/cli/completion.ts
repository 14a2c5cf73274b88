import type { Command, Option } from 'commander';

/**
 * Shell completion scripts for bash, zsh and fish, generated from the program's own commands
 * and options, so they never drift from the flags. Static scripts (no call back into Node at
 * each TAB): a value with choices completes from them, a file or path from the file system,
 * any other value from nothing.
 */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** One command as completion sees it: its path ("billing summary"), subcommands, options and arguments. */
interface Spec {
  path: string;
  description: string;
  subcommands: string[];
  options: { flags: string[]; takes: 'nothing' | 'file' | 'value'; choices: readonly string[]; description: string }[];
  /** What a positional argument completes to: a file, choices, or nothing. */
  argument: { takes: 'file' | 'value'; choices: readonly string[] } | null;
}

/** A value named like a file or a path completes from the file system. */
const takesFile = (flags: string) => /[<[](file|path|files\.\.\.)[>\]]/.test(flags);

/** An option whose values are known but checked by the command itself (its own message): what completion offers. */
export type Completing = Option & { completions?: readonly string[] };

/** Says which values complete an option, without making commander refuse others. */
export function completingWith(option: Option, values: readonly string[]): Option {
  return Object.assign(option, { completions: values });
}

function optionSpec(option: Option): Spec['options'][number] {
  const takes = !option.required && !option.optional ? 'nothing' : takesFile(option.flags) ? 'file' : 'value';
  const choices = option.argChoices ?? (option as Completing).completions ?? [];
  return { flags: [option.short, option.long].filter((f): f is string => !!f), takes, choices, description: option.description };
}

/** Every visible command of the tree, with the root's options on each (they are global). */
function specsOf(program: Command): Spec[] {
  const global = program.options.map(optionSpec);
  const specs: Spec[] = [];
  const visit = (command: Command, path: string) => {
    const argument = command.registeredArguments[0];
    specs.push({
      path,
      description: command.description(),
      subcommands: command.commands.map((c) => c.name()),
      options: [...(path === '' ? [] : command.options.map(optionSpec)), ...global, { flags: ['-h', '--help'], takes: 'nothing', choices: [], description: 'display help' }],
      argument: argument ? { takes: argument.argChoices ? 'value' : takesFile(`<${argument.name()}>`) || argument.name() === 'files' ? 'file' : 'value', choices: argument.argChoices ?? [] } : null,
    });
    for (const sub of command.commands) visit(sub, path === '' ? sub.name() : `${path} ${sub.name()}`);
  };
  visit(program, '');
  return specs;
}

const quoted = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** bash: a function that walks the words to the command path, then completes its options, values or files. */
function bash(name: string, specs: readonly Spec[]): string {
  const fn = `_${name.replace(/\W/g, '_')}`;
  const words = (list: readonly string[]) => quoted(list.join(' '));
  const specCases = specs.map((s) => {
    const valued = s.options.filter((o) => o.takes !== 'nothing').flatMap((o) => o.flags);
    return `    ${quoted(s.path)}) subs=${words(s.subcommands)}; opts=${words(s.options.flatMap((o) => o.flags))}; valued=${words(valued)}; arg=${quoted(s.argument?.takes ?? 'none')}; choices=${words(s.argument?.choices ?? [])} ;;`;
  });
  const valueCases = specs.flatMap((s) => s.options.filter((o) => o.takes !== 'nothing').map((o) => {
    const reply = o.choices.length > 0 ? `COMPREPLY=($(compgen -W ${words(o.choices)} -- "$cur"))` : o.takes === 'file' ? 'COMPREPLY=($(compgen -f -- "$cur"))' : 'COMPREPLY=()';
    return `    ${o.flags.map((f) => quoted(`${s.path}:${f}`)).join('|')}) ${reply}; return ;;`;
  }));
  return `# bash completion for ${name}: source <(${name} completion bash)
${fn}_spec() {
  case "$1" in
${specCases.join('\n')}
    *) subs=''; opts=''; valued=''; arg='none'; choices='' ;;
  esac
}
${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} path='' i word skip=0
  local subs opts valued arg choices
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    if ((skip)); then skip=0; continue; fi
    ${fn}_spec "$path"
    if [[ $word == -* ]]; then
      [[ " $valued " == *" $word "* ]] && skip=1
    elif [[ " $subs " == *" $word "* ]]; then
      path=\${path:+$path }$word
    fi
  done
  ${fn}_spec "$path"
  if ((skip)); then
    case "$path:$prev" in
${valueCases.join('\n')}
    esac
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -n $subs ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  elif [[ -n $choices ]]; then
    COMPREPLY=($(compgen -W "$choices" -- "$cur"))
  elif [[ $arg == file ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F ${fn} ${name}
`;
}

/** zsh runs the bash function through bashcompinit, zsh's own bridge for bash completions. */
function zsh(name: string, specs: readonly Spec[]): string {
  return `#compdef ${name}\n# zsh completion for ${name}: source <(${name} completion zsh)\nautoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n${bash(name, specs)}`;
}

/** fish: one `complete` line per subcommand and option, conditioned on the subcommands seen so far. */
function fish(name: string, specs: readonly Spec[]): string {
  const seen = (path: string) => path.split(' ').map((w) => `__fish_seen_subcommand_from ${w}`).join('; and ');
  const lines = [`# fish completion for ${name}: ${name} completion fish > ~/.config/fish/completions/${name}.fish`, `complete -c ${name} -f`];
  for (const s of specs) {
    const under = s.path === '' ? '__fish_use_subcommand' : seen(s.path);
    for (const sub of specs.filter((t) => t.path !== '' && t.path.split(' ').slice(0, -1).join(' ') === s.path)) {
      const last = sub.path.split(' ').pop()!;
      const condition = s.path === '' ? under : `${under}; and not __fish_seen_subcommand_from ${last}`;
      lines.push(`complete -c ${name} -n ${quoted(condition)} -a ${quoted(last)} -d ${quoted(sub.description)}`);
    }
    if (s.path === '') continue;
    for (const o of s.options) {
      const long = o.flags.find((f) => f.startsWith('--'))?.slice(2);
      const short = o.flags.find((f) => !f.startsWith('--'))?.slice(1);
      const value = o.choices.length > 0 ? ` -x -a ${quoted(o.choices.join(' '))}` : o.takes === 'file' ? ' -r -F' : o.takes === 'value' ? ' -x' : '';
      lines.push(`complete -c ${name} -n ${quoted(seen(s.path))}${long ? ` -l ${long}` : ''}${short ? ` -s ${short}` : ''}${value} -d ${quoted(o.description)}`);
    }
    if (s.argument?.choices.length) lines.push(`complete -c ${name} -n ${quoted(seen(s.path))} -a ${quoted(s.argument.choices.join(' '))}`);
    else if (s.argument?.takes === 'file') lines.push(`complete -c ${name} -n ${quoted(seen(s.path))} -F`);
  }
  return `${lines.join('\n')}\n`;
}

const WRITERS: Record<Shell, (name: string, specs: readonly Spec[]) => string> = { bash, zsh, fish };

/** The completion script for `shell`, from the program's command tree. */
export function completionScript(program: Command, shell: Shell): string {
  return WRITERS[shell](program.name(), specsOf(program));
}
