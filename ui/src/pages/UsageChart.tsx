import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'

/** One metered bucket as the usage API reports it. */
export interface UsageRow {
  date: string
  model: string
  requests: number
  inputTokens: number
  outputTokens: number
}

interface Day { date: string, inputTokens: number, outputTokens: number, requests: number }

function perDay (rows: UsageRow[]): Day[] {
  const days = new Map<string, Day>()
  for (const row of rows) {
    const day = days.get(row.date) ?? { date: row.date, inputTokens: 0, outputTokens: 0, requests: 0 }
    day.inputTokens += row.inputTokens
    day.outputTokens += row.outputTokens
    day.requests += row.requests
    days.set(row.date, day)
  }
  return [...days.values()].sort((a, b) => a.date.localeCompare(b.date))
}

/** Stacked input/output tokens per day, with the same numbers as a table for screen readers. */
export default function UsageChart ({ rows }: { rows: UsageRow[] }) {
  const days = perDay(rows)
  return (
    <figure className='chart'>
      <div aria-hidden='true' className='chart-canvas'>
        <ResponsiveContainer width='100%' height={320}>
          <BarChart data={days}>
            <CartesianGrid strokeDasharray='3 3' />
            <XAxis dataKey='date' />
            <YAxis />
            <Tooltip />
            <Legend />
            <Bar dataKey='inputTokens' name='Input tokens' stackId='tokens' fill='#1f4fd1' />
            <Bar dataKey='outputTokens' name='Output tokens' stackId='tokens' fill='#7aa2ff' />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption>Tokens per day</figcaption>
      <table className='visually-hidden'>
        <caption>Tokens per day</caption>
        <thead><tr><th scope='col'>Day</th><th scope='col'>Requests</th><th scope='col'>Input tokens</th><th scope='col'>Output tokens</th></tr></thead>
        <tbody>{days.map((d) => <tr key={d.date}><th scope='row'>{d.date}</th><td>{d.requests}</td><td>{d.inputTokens}</td><td>{d.outputTokens}</td></tr>)}</tbody>
      </table>
    </figure>
  )
}
