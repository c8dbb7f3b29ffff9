using System.Text.Json;
using Countercurrent.Client;
using Countercurrent.Contracts.Jobs;

namespace Countercurrent.Tests.Client;

/// <summary>What the client writes as JSON names enum values, as `train --json` does ("state": "Completed").</summary>
public sealed class ClientJsonTests
{
    [Fact]
    public void A_job_status_is_written_with_its_state_by_name()
    {
        var json = JsonSerializer.Serialize(new JobStatus { JobId = "j", State = JobState.Completed }, JobSpecReader.Json);

        Assert.Equal("Completed", JsonDocument.Parse(json).RootElement.GetProperty("state").GetString());
    }
}
