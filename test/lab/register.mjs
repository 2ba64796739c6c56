// Lets the pinned node run the lab's TypeScript directly (`node --import ./test/lab/register.mjs x.ts`):
// the sources import siblings as `./x.js` (NodeNext style), which node's type stripping does not map to `.ts`.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (e) {
      if (/^\.{1,2}\//.test(specifier) && specifier.endsWith('.js')) return next(specifier.slice(0, -3) + '.ts', context);
      throw e;
    }
  },
});
