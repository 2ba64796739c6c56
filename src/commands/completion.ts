/** `kubectl netx completion bash|zsh|fish`: the shell script that completes kubectl-netx (see docs/completion.md). */
import { Args } from '@oclif/core';
import { NetxCommand } from '../cli/base-command.js';

export default class Completion extends NetxCommand {
  static override summary = 'Print the shell completion script (bash, zsh or fish)';
  static override description =
    'Completes commands, flags, pod, service, node and namespace names (read from the cluster, or from --snapshot ' +
    'when it is on the line; a slow or unreachable cluster just gives no names). `kubectl netx <TAB>` is completed ' +
    'by kubectl 1.26+ itself through the kubectl_complete-netx helper installed next to kubectl-netx; this script ' +
    'completes the kubectl-netx command called directly.';
  static override examples = [
    'source <(<%= config.bin %> completion bash)',
    'source <(<%= config.bin %> completion zsh)',
    '<%= config.bin %> completion fish | source',
  ];
  static override args = { shell: Args.string({ description: 'The shell', options: ['bash', 'zsh', 'fish'], required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(Completion);
    const { completionScript } = await import('../cli/complete/scripts.js');
    this.print(completionScript(args.shell as 'bash' | 'zsh' | 'fish'));
  }
}
