import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { UsageRow } from '../lib/types'

/** Stacked prompt/completion tokens per day (rows grouped by day), with the same numbers as a table for screen readers. */
export default function UsageChart ({ days }: { days: UsageRow[] }) {
  return (
    <figure className='chart'>
      <div aria-hidden='true'>
        <ResponsiveContainer width='100%' height={300}>
          <BarChart data={days}>
            <CartesianGrid strokeDasharray='3 3' />
            <XAxis dataKey='day' />
            <YAxis />
            <Tooltip />
            <Legend />
            <Bar dataKey='promptTokens' name='Prompt tokens' stackId='tokens' fill='#1f4fd1' isAnimationActive={false} />
            <Bar dataKey='completionTokens' name='Completion tokens' stackId='tokens' fill='#7aa2ff' isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption>Tokens per day (UTC)</figcaption>
      <table className='visually-hidden'>
        <caption>Tokens per day</caption>
        <thead><tr><th scope='col'>Day</th><th scope='col'>Requests</th><th scope='col'>Prompt tokens</th><th scope='col'>Completion tokens</th></tr></thead>
        <tbody>{days.map((d) => <tr key={d.day}><th scope='row'>{d.day}</th><td>{d.requests}</td><td>{d.promptTokens}</td><td>{d.completionTokens}</td></tr>)}</tbody>
      </table>
    </figure>
  )
}
