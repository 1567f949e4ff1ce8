/** A Bedrock credential as an administrator types it: AWS's key pair, an optional session token and region. */
export interface AwsCredential { accessKeyId: string, secretAccessKey: string, sessionToken: string, region: string }

export const EMPTY_AWS_CREDENTIAL: AwsCredential = { accessKeyId: '', secretAccessKey: '', sessionToken: '', region: '' }

/** The credential as the gateway takes it (JSON text, optional fields left out); '' when nothing was typed (keep the stored one). */
export function awsSecret (value: AwsCredential): string {
  const trimmed = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v.trim()]).filter(([, v]) => v !== ''))
  return Object.keys(trimmed).length === 0 ? '' : JSON.stringify(trimmed)
}

const FIELDS: ReadonlyArray<{ name: keyof AwsCredential, label: string, secret: boolean, optional: boolean, maxLength: number }> = [
  { name: 'accessKeyId', label: 'AWS access key ID', secret: false, optional: false, maxLength: 128 },
  { name: 'secretAccessKey', label: 'AWS secret access key', secret: true, optional: false, maxLength: 128 },
  { name: 'sessionToken', label: 'Session token (optional, temporary credentials)', secret: true, optional: true, maxLength: 3000 },
  { name: 'region', label: 'Region (optional when the base URL names it, e.g. us-east-1)', secret: false, optional: true, maxLength: 30 }
]

/** The fields of a Bedrock credential, in place of the single API key field of other providers. */
export function AwsCredentialFields ({ id, value, required, onChange }: { id: string, value: AwsCredential, required: boolean, onChange: (value: AwsCredential) => void }) {
  return (
    <>
      {FIELDS.map((field) => (
        <div key={field.name}>
          <label htmlFor={`${id}-${field.name}`}>{field.label}</label>
          <input
            id={`${id}-${field.name}`} type={field.secret ? 'password' : 'text'} required={required && !field.optional} maxLength={field.maxLength}
            value={value[field.name]} autoComplete='off' spellCheck={false}
            onChange={(e) => { onChange({ ...value, [field.name]: e.target.value }) }}
          />
        </div>
      ))}
    </>
  )
}
