/*
 * How long an uploaded audio file can play, known before it goes upstream: exactly for WAV (its header says), else
 * bounded by its size at a bitrate below any speech codec's usual one. Admission reserves the bound; the call is
 * charged the provider's own measure, never more than the bound.
 */

/** 8 kbit/s: a file of n bytes plays at most n / 1000 seconds at any common speech bitrate. */
export const MIN_AUDIO_BYTES_PER_SECOND = 1_000

/** A WAV (RIFF) file's duration from its fmt and data chunks, or undefined for anything else. */
export function wavSeconds (data: Buffer): number | undefined {
  if (data.length < 12 || data.toString('latin1', 0, 4) !== 'RIFF' || data.toString('latin1', 8, 12) !== 'WAVE') return undefined
  let byteRate: number | undefined
  for (let offset = 12; offset + 8 <= data.length;) {
    const id = data.toString('latin1', offset, offset + 4)
    const size = data.readUInt32LE(offset + 4)
    if (id === 'fmt ' && offset + 16 <= data.length) byteRate = data.readUInt32LE(offset + 16)
    // a streamed WAV may say 0 or 0xFFFFFFFF for its data size: the bytes present are the audio
    if (id === 'data') return byteRate === undefined || byteRate === 0 ? undefined : Math.min(size, data.length - offset - 8) / byteRate
    offset += 8 + size + (size % 2)
  }
  return undefined
}

/** Seconds of audio `data` holds at most: a WAV's exact length, else its size at the lowest bitrate. */
export function audioSecondsBound (data: Buffer): { seconds: number, exact: boolean } {
  const wav = wavSeconds(data)
  return wav === undefined ? { seconds: Math.ceil(data.length / MIN_AUDIO_BYTES_PER_SECOND), exact: false } : { seconds: wav, exact: true }
}
