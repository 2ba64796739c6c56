/**
 * Property tests draw random inputs. NETX_FUZZ_SEED fixes the seed (CI does, so a run can be
 * repeated exactly); without it every run explores new inputs. A failure prints its seed either way.
 */
import fc from 'fast-check';

const seed = process.env.NETX_FUZZ_SEED;
if (seed !== undefined && seed !== '') fc.configureGlobal({ seed: Number(seed) });
