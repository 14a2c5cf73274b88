// Runs the CLI in this process and reports its peak RSS on the last line of stderr, so the
// benchmark can measure each command as a user would run it.
import { main } from '../../src/cli/main.js';

const code = await main(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  stdin: process.stdin,
  env: process.env,
  now: () => new Date(),
  stdoutIsTTY: false,
  stderrIsTTY: false,
});
process.stderr.write(`\nmax_rss_kb=${process.resourceUsage().maxRSS}\n`);
process.exitCode = code;
