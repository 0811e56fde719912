/**
 * One Aho-Corasick automaton over every rule keyword and every known-value
 * encoding, compiled to a dense DFA in typed arrays: one table lookup per input
 * byte, whatever the number of patterns. Matching folds ASCII case (keywords
 * are case-insensitive); patterns that must match exactly are checked by the
 * caller at each hit, which is rare.
 */

export interface CompiledAutomaton {
  /** byte → symbol class (letters folded; 0 = a byte no pattern contains) */
  readonly classOf: Uint8Array
  readonly classes: number
  /**
   * One row of `classes + 1` cells per state: the next state for each class
   * (as a row offset: state' = delta[state + class], complemented when that
   * state has outputs), then the state's first output entry in `outPattern`, or -1.
   */
  readonly delta: Int32Array
  /** output lists as linked entries: pattern id and the next entry (-1 ends) */
  readonly outPattern: Int32Array
  readonly outNext: Int32Array
  /** length of each pattern in bytes */
  readonly patternLength: Int32Array
  /** per state (row offset / (classes + 1)): the length of the pattern prefix it stands for */
  readonly depth: Int32Array
}

const fold = (b: number) => (b >= 0x41 && b <= 0x5a ? b + 32 : b)

export function compileAutomaton(patterns: readonly Uint8Array[]): CompiledAutomaton {
  // symbol classes: every folded byte that occurs in a pattern gets its own class
  const classOf = new Uint8Array(256)
  let classes = 1
  for (const p of patterns)
    for (const b of p) {
      const f = fold(b)
      if (classOf[f] === 0) {
        if (classes === 255) throw new Error('too many distinct pattern bytes')
        classOf[f] = classes++
      }
    }
  for (let b = 0x41; b <= 0x5a; b++) classOf[b] = classOf[b + 32]!

  // the trie
  const children: Map<number, number>[] = [new Map()]
  const outputs: number[][] = [[]]
  const depth: number[] = [0]
  patterns.forEach((p, id) => {
    let s = 0
    for (const b of p) {
      const c = classOf[fold(b)]!
      let next = children[s]!.get(c)
      if (next === undefined) {
        next = children.length
        children.push(new Map())
        outputs.push([])
        depth.push(depth[s]! + 1)
        children[s]!.set(c, next)
      }
      s = next
    }
    outputs[s]!.push(id)
  })

  // breadth-first: failure links, filled into a dense transition table
  const states = children.length
  const width = classes + 1
  const delta = new Int32Array(states * width)
  const fail = new Int32Array(states)
  const dictLink = new Int32Array(states).fill(-1) // nearest proper suffix state with an output
  const queue: number[] = []
  for (let c = 0; c < classes; c++) {
    const next = children[0]!.get(c)
    if (next !== undefined) {
      delta[c] = next * width
      fail[next] = 0
      queue.push(next)
    }
  }
  for (let head = 0; head < queue.length; head++) {
    const s = queue[head]!
    const f = fail[s]!
    dictLink[s] = outputs[f]!.length > 0 ? f : dictLink[f]!
    for (let c = 0; c < classes; c++) {
      const next = children[s]!.get(c)
      if (next !== undefined) {
        fail[next] = delta[f * width + c]! / width
        delta[s * width + c] = next * width
        queue.push(next)
      } else delta[s * width + c] = delta[f * width + c]!
    }
  }

  // output lists: a state's own patterns, then its dictionary suffix's (already built: BFS order)
  const outPattern: number[] = []
  const outNext: number[] = []
  for (const s of [0, ...queue]) {
    let next = dictLink[s]! >= 0 ? delta[dictLink[s]! * width + classes]! : -1
    for (const id of outputs[s]!) {
      outPattern.push(id)
      outNext.push(next)
      next = outPattern.length - 1
    }
    delta[s * width + classes] = next
  }
  // a transition into a state with outputs is stored complemented (negative): the matching loop
  // then needs one load per byte and looks at the output cell only on a hit
  for (let s = 0; s < states; s++)
    for (let c = 0; c < classes; c++) {
      const target = delta[s * width + c]!
      if (delta[target + classes] !== -1) delta[s * width + c] = ~target
    }
  return {
    classOf,
    classes,
    delta,
    outPattern: Int32Array.from(outPattern),
    outNext: Int32Array.from(outNext),
    patternLength: Int32Array.from(patterns.map((p) => p.length)),
    depth: Int32Array.from(depth),
  }
}

/**
 * Run the automaton over `buf`, calling `hit(patternId, end)` for every
 * occurrence (`end` is the offset just past its last byte). Returns how many
 * trailing bytes of `buf` could be the start of a pattern (case folded), which
 * a stream must hold back until more input arrives.
 */
export function runAutomaton(
  a: CompiledAutomaton,
  buf: Uint8Array,
  hit: (pattern: number, end: number) => void,
): number {
  const { classOf, classes, delta, outPattern, outNext, depth } = a
  let s = 0
  for (let i = 0; i < buf.length; i++) {
    s = delta[s + classOf[buf[i]!]!]!
    if (s < 0) {
      s = ~s
      for (let o = delta[s + classes]!; o !== -1; o = outNext[o]!) hit(outPattern[o]!, i + 1)
    }
  }
  return depth[s / (classes + 1)]!
}
