using System.Text.Json;
using Countercurrent.Client;

namespace Countercurrent.Tests.Client;

/// <summary>The JSON that export (spec.json, model.json) and eval --json write with <see cref="JobSpecReader.Json"/>.</summary>
public sealed class ExportJsonTests
{
    [Fact]
    public void Layer_descriptions_keep_their_arrows_and_quotes_readable()
    {
        var manifest = new { layers = new[] { new { index = 0, description = "layer 0: linear 784->256 <relu> 'a' & \"b\"" } } };

        var json = JsonSerializer.Serialize(manifest, JobSpecReader.Json);

        // model.json had "linear 784-\u003E256": valid JSON, but unreadable for a person.
        Assert.Contains("linear 784->256 <relu> 'a' & \\\"b\\\"", json);
        Assert.Equal(manifest.layers[0].description, JsonDocument.Parse(json).RootElement.GetProperty("layers")[0].GetProperty("description").GetString());
    }
}
