/**
 * Shell scripts for `kubectl netx completion bash|zsh|fish`. Each registers completion for the
 * `kubectl-netx` command (called directly, or through an alias) and asks `kubectl-netx __complete`
 * for the candidates, reading Cobra's protocol (candidates, then `:directive`). `kubectl netx <TAB>`
 * itself is completed by kubectl 1.26+ through the kubectl_complete-netx helper next to the plugin.
 */

const BASH = `# bash completion for kubectl-netx: source <(kubectl netx completion bash)
_kubectl_netx_complete() {
    local cur words cword
    if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
        _get_comp_words_by_ref -n =: cur words cword
    else
        cur="\${COMP_WORDS[COMP_CWORD]}"; words=("\${COMP_WORDS[@]}"); cword=$COMP_CWORD
    fi
    local out
    out=$("\${words[0]}" __complete "\${words[@]:1:cword-1}" "$cur" 2>/dev/null) || return 0
    local directive=\${out##*:}
    out=\${out%:*}
    local IFS=$'\\n' line
    COMPREPLY=()
    for line in $out; do
        line=\${line%%$'\\t'*}
        [[ -n $line && $line == "$cur"* ]] && COMPREPLY+=("$line")
    done
    if (( \${#COMPREPLY[@]} > 0 )) && declare -F __ltrim_colon_completions >/dev/null 2>&1; then
        __ltrim_colon_completions "$cur"
    fi
    (( directive & 2 )) && compopt -o nospace 2>/dev/null
    if (( \${#COMPREPLY[@]} == 0 )) && (( (directive & 4) == 0 )); then
        compopt -o default 2>/dev/null
    fi
    return 0
}
complete -F _kubectl_netx_complete kubectl-netx
`;

const ZSH = `#compdef kubectl-netx
# zsh completion for kubectl-netx: source <(kubectl netx completion zsh)
_kubectl_netx() {
    local out directive
    local -a lines completions
    out=$(\${words[1]} __complete "\${(@)words[2,CURRENT-1]}" "\${words[CURRENT]}" 2>/dev/null) || return 1
    lines=("\${(@f)out}")
    directive=\${lines[-1]#:}
    lines=("\${(@)lines[1,-2]}")
    local l
    for l in "\${lines[@]}"; do
        [[ -z $l ]] && continue
        completions+=("\${\${l%%$'\\t'*}//:/\\\\:}\${\${(M)l:#*$'\\t'*}:+:\${l#*$'\\t'}}")
    done
    if (( \${#completions} > 0 )); then
        if (( directive & 2 )); then _describe -t netx 'kubectl-netx' completions -S ''
        else _describe -t netx 'kubectl-netx' completions; fi
    elif (( (directive & 4) == 0 )); then
        _files
    fi
}
compdef _kubectl_netx kubectl-netx
`;

const FISH = `# fish completion for kubectl-netx: kubectl netx completion fish | source
function __kubectl_netx_complete
    set -l tokens (commandline -opc)
    set -l out (command $tokens[1] __complete $tokens[2..-1] (commandline -ct) 2>/dev/null)
    or return
    set -l directive (string replace -r '^:' '' -- $out[-1])
    set -e out[-1]
    if test (count $out) -eq 0; and test (math "bitand($directive, 4)") -eq 0
        __fish_complete_path (commandline -ct)
        return
    end
    printf '%s\\n' $out
end
complete -c kubectl-netx -f -a '(__kubectl_netx_complete)'
`;

const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export function completionScript(shell: Shell): string {
  return shell === 'bash' ? BASH : shell === 'zsh' ? ZSH : FISH;
}
