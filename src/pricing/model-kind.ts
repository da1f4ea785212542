/**
 * Whether a catalog model can stand in for a chat model — answer a prompt with text — judged
 * by its id, because the price feeds say nothing reliable about what a model does. Left out:
 * embeddings, rerankers, moderation and safety classifiers, speech, image, video, realtime
 * and search variants, the retired completion-only models, and the open-weight gpt-oss
 * models that OpenAI publishes but does not serve.
 */
const NOT_A_CHAT_MODEL =
  /embed|rerank|moderation|safeguard|guard|tts|whisper|transcribe|speech|dall-e|image|imagen|veo|audio|realtime|search|vision|babbage|davinci|curie|(^|-)ada($|-)|gpt-oss/i

export function isChatModel(model: string): boolean {
  return !NOT_A_CHAT_MODEL.test(model)
}
