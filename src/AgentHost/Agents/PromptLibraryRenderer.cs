using AgentHost.Prompts;
using Microsoft.SemanticKernel;

namespace AgentHost.Agents;

/// <summary>Renders a prompt of the <see cref="PromptLibrary"/> (its template with the arguments and the variables' defaults) without calling a model.</summary>
internal sealed class PromptLibraryRenderer(PromptLibrary library) : IAgentPromptRenderer
{
    /// <inheritdoc />
    public async Task<string> RenderAsync(string promptName, KernelArguments arguments, Kernel kernel, CancellationToken cancellationToken)
    {
        PromptInfo info;
        try
        {
            info = library.Get(promptName);
        }
        catch (PromptException e)
        {
            throw new KeyNotFoundException(e.Message, e);
        }

        var file = Directory.Exists(info.Source) ? PromptFileReader.ReadDirectory(info.Source) : PromptFileReader.ReadYaml(info.Source);
        foreach (var variable in info.Variables)
        {
            if (!arguments.ContainsName(variable.Name) && variable.Default is not null)
            {
                arguments[variable.Name] = variable.Default;
            }
        }

        var template = new KernelPromptTemplateFactory().Create(file.Config);
        return await template.RenderAsync(kernel, arguments, cancellationToken);
    }
}
