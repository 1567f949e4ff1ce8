import type { EventStreamParser } from '#upstream/event-stream.js'
import type { UpstreamRequest } from '#upstream/http.js'
import { translatingChatAdapter } from '../translating-adapter.js'
import type { ChatRequest, ConnectionProbe, ProviderAdapter, UpstreamCall } from '#upstream/types.js'
import { namedModel } from '../connection-probe.js'
import { awsCredentialHint } from './credentials.js'
import { toConverseRequest } from './request.js'
import { toChatCompletion, type ConverseResponse } from './response.js'
import type { signedRequest } from './signing.js'
import { streamDecoder } from './stream.js'

interface AwsLibraries { signedRequest: typeof signedRequest, EventStreamParser: typeof EventStreamParser }

/** AWS's SigV4 signer and event stream codec (@smithy/*, ~450 KB): loaded by the first Bedrock call, not by every start. */
let aws: AwsLibraries | undefined
let loading: Promise<AwsLibraries> | undefined

async function awsLibraries (): Promise<AwsLibraries> {
  loading ??= Promise.all([import('./signing.js'), import('#upstream/event-stream.js')])
    .then(([signing, codec]) => (aws = { signedRequest: signing.signedRequest, EventStreamParser: codec.EventStreamParser }))
  return await loading
}

async function signed (...args: Parameters<typeof signedRequest>): Promise<UpstreamRequest> {
  return await (await awsLibraries()).signedRequest(...args)
}

/** A parser for a stream whose request was signed: the libraries are loaded by then. */
function eventStreamParser (): EventStreamParser {
  if (aws === undefined) throw new Error('the AWS libraries are loaded by signing the request first')
  return new aws.EventStreamParser()
}

/**
 * AWS Bedrock's Converse API (POST {base}/model/{modelId}/converse, and /converse-stream answering AWS's binary event
 * stream), SigV4-signed with the provider's AWS credential, translated both ways.
 */
function upstreamRequest (request: ChatRequest, call: UpstreamCall, stream: boolean): Promise<UpstreamRequest> {
  const path = `/model/${encodeURIComponent(call.model)}/${stream ? 'converse-stream' : 'converse'}`
  return signed(call.provider, path, JSON.stringify(toConverseRequest(request)), stream ? 'application/vnd.amazon.eventstream' : 'application/json')
}

/**
 * Bedrock's runtime has no models list: the probe is a signed Converse without messages. AWS checks the signature and
 * the key first (403 UnrecognizedClientException, InvalidSignatureException or AccessDeniedException when refused),
 * then answers 400 ValidationException: the credential was accepted and nothing was generated.
 */
const bedrockProbe: ConnectionProbe = {
  what: 'Converse API',
  request: async (provider) =>
    await signed(provider, `/model/${encodeURIComponent(namedModel(provider, 'amazon.nova-micro-v1:0'))}/converse`, '{"messages":[]}', 'application/json'),
  accepted: (status, headers) => status === 400 && /^ValidationException\b/.test(String(headers['x-amzn-errortype'] ?? ''))
}

/** Chat through Bedrock, streamed or not (Bedrock's embeddings and images use other APIs, not served here). */
export const bedrockAdapter: ProviderAdapter = {
  kind: 'bedrock',
  chat: translatingChatAdapter<ConverseResponse>({
    upstreamRequest,
    toCompletion: (response, call) => toChatCompletion(response, call.model),
    streamDecoder,
    streamParser: eventStreamParser
  }),
  credentialHint: awsCredentialHint,
  connectionProbe: bedrockProbe
}
