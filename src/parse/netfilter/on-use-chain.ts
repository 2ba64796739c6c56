/**
 * A chain whose rules are translated the first time they are read (both dump parsers' `rules: 'on-use'`): a trace
 * reads a handful of the ~60,000 chains of a 10,000-service kube-proxy ruleset. Until then `rules` is an accessor
 * of this class; reading it makes `rules` an own data property of the chain, filled by the chain's translator, so
 * from then on the chain reads, spreads and clones like an eagerly parsed one. A class rather than a literal with
 * an accessor: a closure per chain costs more than the rest of the structural pass.
 */
import type { BaseChain, Chain, Rule } from '../../model/netfilter.js';

/** The parse state of the chain's table: appends the chain's rules, in order, to `chain.rules`. */
export interface RuleTranslator {
  translateRules(chain: OnUseChain): void;
  /** How many rules the chain has, without translating them. */
  countRules(chain: OnUseChain): number;
}

export class OnUseChain implements Chain {
  declare base?: BaseChain;
  declare line?: number;
  declare handle?: number;
  readonly #translator: RuleTranslator;

  constructor(
    readonly name: string,
    translator: RuleTranslator,
  ) {
    this.#translator = translator;
  }

  get rules(): Rule[] {
    const store: Rule[] = [];
    Object.defineProperty(this, 'rules', { value: store, writable: true, enumerable: true, configurable: true });
    this.#translator.translateRules(this);
    return store;
  }

  /** The number of rules: counted in the dump while they are not translated yet. */
  get ruleCount(): number {
    return Object.hasOwn(this, 'rules') ? this.rules.length : this.#translator.countRules(this);
  }

  set rules(value: Rule[]) {
    Object.defineProperty(this, 'rules', { value, writable: true, enumerable: true, configurable: true });
  }
}

/** True until the chain's rules have been read (they are then an own property). */
export const rulesPending = (c: Chain): boolean => c instanceof OnUseChain && !Object.hasOwn(c, 'rules');
