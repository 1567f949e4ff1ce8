import { Type, type Static } from '@sinclair/typebox'

export const Model = Type.Object({
  id: Type.String({ description: '`provider/model`, usable as `model` in a chat completion request' }),
  object: Type.Literal('model'),
  created: Type.Integer({ description: 'Unix time; 0 when the provider does not say' }),
  owned_by: Type.String({ description: 'Provider id' })
}, { $id: 'Model' })

export const ModelList = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(Model)
}, { $id: 'ModelList', description: 'OpenAI list format: the models the calling key may use' })

export const ModelParams = Type.Object({
  '*': Type.String({ minLength: 1, description: '`provider/model`' })
})

export type ModelType = Static<typeof Model>
