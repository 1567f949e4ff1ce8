/**
 * The `provider/model` an Anthropic client means. Claude Code and the SDK's examples name bare models
 * (`claude-sonnet-4-5`), which the anthropic provider serves; `provider/model` names pass as they are, so any
 * configured provider can answer. Other bare names stay bare and get the registry's "name it provider/model" 400.
 * Small on purpose: the gateway-wide bare-name resolver (catalog aliases, providers' model lists) replaces it.
 */
export function messagesModel (name: string): string {
  return !name.includes('/') && name.startsWith('claude-') ? `anthropic/${name}` : name
}
