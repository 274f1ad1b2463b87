// Drives agent-host's Ollama API with the official ollama-js client, one case per run:
//   node driver.mjs <baseUrl> <case> [model] [apiKey]
// and prints one JSON object on stdout: what the client returned, or {"thrown": {name, message, status_code}} when it threw.
import { Ollama } from 'ollama'

const [baseUrl, name, model = 'agent-host', apiKey] = process.argv.slice(2)
const ollama = new Ollama({ host: baseUrl, headers: apiKey ? { Authorization: `Bearer ${apiKey}` } : undefined })
const user = (content) => [{ role: 'user', content }]

async function collect(stream) {
  const parts = []
  let last
  for await (const part of stream) {
    parts.push(part.message?.content ?? part.response ?? '')
    last = part
  }
  return { parts, done: last?.done ?? false, done_reason: last?.done_reason, eval_count: last?.eval_count, backend: last?.agent_host?.backend }
}

const cases = {
  list: async () => ({ names: (await ollama.list()).models.map((m) => m.name) }),
  chat: async () => {
    const r = await ollama.chat({ model, messages: user('hello js') })
    return { content: r.message.content, role: r.message.role, done: r.done, done_reason: r.done_reason, model: r.model, eval_count: r.eval_count, backend: r.agent_host?.backend }
  },
  'chat-stream': async () => collect(await ollama.chat({ model, messages: user('stream js'), stream: true })),
  'chat-tools': async () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }]
    const r = await ollama.chat({ model, messages: user('weather in Paris?'), tools })
    return { content: r.message.content, tool_calls: r.message.tool_calls ?? [], done: r.done }
  },
  generate: async () => {
    const r = await ollama.generate({ model, prompt: 'hello generate', system: 'Be brief.' })
    return { response: r.response, done: r.done, done_reason: r.done_reason, backend: r.agent_host?.backend }
  },
  'generate-stream': async () => collect(await ollama.generate({ model, prompt: 'stream generate', stream: true })),
  cut: async () => {
    const parts = []
    try {
      for await (const part of await ollama.chat({ model, messages: user('cut me off'), stream: true })) {
        parts.push(part.message.content)
        if (part.done) return { parts, done: true }
      }
      return { parts, ended: 'without done and without error' }
    } catch (e) {
      return { parts, thrown: { name: e.name, message: e.message } }
    }
  },
  show: async () => ollama.show({ model }),
  ps: async () => ollama.ps(),
  version: async () => ({ version: (await fetch(`${baseUrl}/api/version`).then((r) => r.json())).version }),
  embed: async () => {
    const r = await ollama.embed({ model, input: ['hello', 'world'] })
    return { count: r.embeddings.length, dimensions: r.embeddings[0]?.length ?? 0, embeddings: r.embeddings, model: r.model }
  },
}

try {
  if (!cases[name]) throw new Error(`unknown case '${name}'`)
  console.log(JSON.stringify(await cases[name]()))
} catch (e) {
  console.log(JSON.stringify({ thrown: { name: e.name, message: e.message, status_code: e.status_code } }))
}
