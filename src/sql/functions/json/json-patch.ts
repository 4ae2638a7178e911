// json_patch(): RFC 7396 MergePatch, as json.c's jsonMergePatch applies it: members are
// matched by label (escapes compared by the characters they stand for), a null in the patch
// removes a member, a non-object patch replaces the target, and labels the target lacks are
// appended in patch order. Header sizes follow the same rules as the path edits (json-path.ts).
import { labelMatches, overwrite, rebuilt } from './json-path.js';
import { JSONB_NULL, JSONB_OBJECT, JSONB_TEXT, JSONB_TEXTRAW, NULL_NODE, type JsonNode } from './json-node.js';

/** `target` with `patch` merged into it. */
export function mergePatch(target: JsonNode, patch: JsonNode): JsonNode {
  if (patch.t !== JSONB_OBJECT) return overwrite(target, patch);
  // A target that is not an object becomes an empty one (keeping its header until its size changes).
  const kids: JsonNode[] = target.t === JSONB_OBJECT ? target.c!.slice() : [];
  const p = patch.c!;
  for (let i = 0; i < p.length; i += 2) {
    const label = p[i]!;
    const value = p[i + 1]!;
    const raw = label.t === JSONB_TEXT || label.t === JSONB_TEXTRAW;
    let at = -1;
    for (let k = 0; k < kids.length; k += 2) {
      if (labelMatches(label.s, raw, kids[k]!)) {
        at = k;
        break;
      }
    }
    if (at >= 0) {
      if (value.t === JSONB_NULL) kids.splice(at, 2);
      else kids[at + 1] = mergePatch(kids[at + 1]!, value);
    } else if (value.t !== JSONB_NULL) {
      kids.push(label, value.t === JSONB_OBJECT ? mergePatch(NULL_NODE, value) : value);
    }
  }
  return rebuilt({ ...target, t: JSONB_OBJECT }, kids);
}
