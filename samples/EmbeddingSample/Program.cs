using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;

// An SK app that uses the connectors and the chain: one line per backend, one for the chain.
var builder = Kernel.CreateBuilder();
builder.Services.AddMlxChatCompletion(o => o.Endpoint = "http://localhost:11435");
builder.Services.AddOllamaChatClient(o => { o.Endpoint = "http://localhost:11434"; o.Model = "llama3.2"; });
builder.Services.AddVictoriaChatCompletion(o => o.Endpoint = "http://localhost:8010");
builder.Services.AddFallbackChatCompletion(o => o.Order = ["Victoria?", "Mlx", "Ollama", "Victoria"]);
var kernel = builder.Build();

var answer = await kernel.InvokePromptAsync(args.FirstOrDefault() ?? "Say hello in French.");
Console.WriteLine($"{answer} (from {answer.GetFallbackReport()?.Backend})");

// The same chain as a Microsoft.Extensions.AI IChatClient:
var chat = kernel.Services.GetRequiredService<IChatClient>();
var response = await chat.GetResponseAsync("And in Spanish?");
Console.WriteLine($"{response.Text} (from {response.GetFallbackReport()?.Backend})");
