import { describe, expect, it } from 'vitest'
import { isChatModel } from '../../src/pricing/model-kind.js'

describe('which models can stand in for a chat model', () => {
  it.each(['gpt-4o-mini', 'gpt-5-nano', 'claude-haiku-4-5', 'gemini-2.0-flash', 'ministral-8b', 'o4-mini', 'deepseek-chat', 'llama-3.3-70b-versatile'])('keeps %s', (model) => {
    expect(isChatModel(model)).toBe(true)
  })

  it.each([
    'text-embedding-3-small',
    'mistral-embed',
    'omni-moderation-latest',
    'gpt-oss-safeguard-20b',
    'gpt-oss-120b',
    'tts-1-hd',
    'whisper-1',
    'gpt-4o-transcribe',
    'dall-e-3',
    'gpt-image-1',
    'imagen-4.0-generate-001',
    'gpt-4o-audio-preview',
    'gpt-4o-realtime-preview',
    'gpt-4o-search-preview',
    'rerank-v3.5',
    'babbage-002',
    'davinci-002',
    'ada',
    'gemini-1.0-pro-vision-001',
  ])('leaves out %s', (model) => {
    expect(isChatModel(model)).toBe(false)
  })
})
