/** Lists come back as `{items: [...]}`; a few routes answer a bare array. Both read the same. */
export const itemsOf = <T>(body: T[] | { items: T[] }): T[] => (Array.isArray(body) ? body : body.items)
