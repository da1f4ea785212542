/**
 * Colours for one output stream: picocolors' functions when the stream is a colour
 * terminal, plain identity functions otherwise (pipes, files, --json consumers).
 */
import pc from 'picocolors'

export type Colors = ReturnType<typeof pc.createColors>

export const colorsFor = (stream: { isTTY?: boolean }): Colors => pc.createColors(pc.isColorSupported && stream.isTTY === true)

/** Strips ANSI colour codes: the width a terminal shows. */
// eslint-disable-next-line no-control-regex
export const visibleLength = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '').length
