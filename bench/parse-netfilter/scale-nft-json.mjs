/**
 * Scales a kernel `nft -j list ruleset` dump of kube-proxy's nftables rules (the committed
 * synthetic-20x5 fixture) to `clones` times as many services: every object that belongs to one service
 * (its chains, rules, affinity sets) is cloned with the service renamed (`svc-3/` → `svc-3x7/`) and its
 * addresses moved (service IPs by 20 per clone, pod IPs by 100), and every element of the shared maps and
 * sets is cloned the same way. Clone 0 is the kernel dump itself, so the output keeps the kernel's shapes.
 */
const SERVICE_STEP = 20; // services in the template
const POD_STEP = 100; // endpoints in the template (20 x 5)

const ipInt = (a, b, c, d) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
const ipStr = (n) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
const SVC_LO = ipInt(10, 96, 0, 0);
const SVC_HI = ipInt(10, 111, 255, 255);
const POD_LO = ipInt(10, 128, 0, 0);
const POD_HI = ipInt(10, 191, 255, 255);

function remap(text, c) {
  if (c === 0) return text;
  return text
    .replace(/svc-(\d+)([/:"])/g, (_, n, end) => `svc-${n}x${c}${end}`)
    .replace(/\b10\.(\d+)\.(\d+)\.(\d+)\b/g, (m, b, cc, d) => {
      const n = ipInt(10, Number(b), Number(cc), Number(d));
      if (n >= SVC_LO && n <= SVC_HI) return ipStr(n + c * SERVICE_STEP);
      if (n >= POD_LO && n <= POD_HI) return ipStr(n + c * POD_STEP);
      return m;
    });
}

const perService = (item) => /svc-\d+[/:]/.test(JSON.stringify(item));

/** The scaled document as JSON text. */
export function scaleNftJson(templateText, clones) {
  const template = JSON.parse(templateText).nftables;
  const out = [];
  const shared = new Map(); // set/map objects whose elements get cloned
  for (const item of template) {
    const kind = Object.keys(item)[0];
    const body = item[kind];
    if ((kind === 'set' || kind === 'map') && Array.isArray(body.elem) && !/svc-\d+[/:]/.test(body.name)) {
      const copy = { [kind]: { ...body, elem: [] } };
      shared.set(copy[kind], body.elem);
      out.push(copy);
    } else if (!perService(item)) out.push(item);
  }
  for (let c = 0; c < clones; c++) {
    for (const [target, elems] of shared) target.elem.push(...JSON.parse(remap(JSON.stringify(elems), c)));
    for (const item of template) {
      const kind = Object.keys(item)[0];
      if (shared.has(item[kind]) || !perService(item)) continue;
      if ((kind === 'set' || kind === 'map') && Array.isArray(item[kind].elem) && !/svc-\d+[/:]/.test(item[kind].name)) continue;
      out.push(JSON.parse(remap(JSON.stringify(item), c)));
    }
  }
  return JSON.stringify({ nftables: out });
}
