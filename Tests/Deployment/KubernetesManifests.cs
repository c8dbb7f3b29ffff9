using YamlDotNet.RepresentationModel;

namespace Countercurrent.Tests.Deployment;

/// <summary>Every YAML document under k8s/, parsed, with helpers to walk them.</summary>
public sealed class KubernetesManifests
{
    public KubernetesManifests()
    {
        Folder = Path.Combine(RepositoryRoot.Path, "k8s");
        foreach (var file in Directory.GetFiles(Folder, "*.yaml").Order())
        {
            var stream = new YamlStream();
            using var reader = new StreamReader(file);
            stream.Load(reader);
            foreach (var document in stream.Documents)
            {
                Documents.Add((Path.GetFileName(file), (YamlMappingNode)document.RootNode));
            }
        }
    }

    public string Folder { get; }
    public List<(string File, YamlMappingNode Root)> Documents { get; } = [];

    public IEnumerable<YamlMappingNode> OfKind(string kind) =>
        Documents.Where(d => Text(d.Root, "kind") == kind).Select(d => d.Root);

    public static string? Text(YamlNode node, params string[] path)
    {
        var current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next))
            {
                return null;
            }
            current = next;
        }
        return (current as YamlScalarNode)?.Value;
    }

    public static YamlNode? Node(YamlNode node, params string[] path)
    {
        var current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next))
            {
                return null;
            }
            current = next;
        }
        return current;
    }

    public static IEnumerable<YamlMappingNode> Items(YamlNode? sequence) =>
        (sequence as YamlSequenceNode)?.Children.OfType<YamlMappingNode>() ?? [];

    /// <summary>The containers of a Deployment's or Job's pod template.</summary>
    public static IEnumerable<YamlMappingNode> Containers(YamlMappingNode workload) =>
        Items(Node(workload, "spec", "template", "spec", "containers"));

    public static Dictionary<string, YamlMappingNode> Env(YamlMappingNode container) =>
        Items(Node(container, "env")).ToDictionary(e => Text(e, "name")!, e => e);
}
