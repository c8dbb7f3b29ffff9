using Countercurrent.Contracts.Grains;
using Countercurrent.Contracts.Jobs;
using Countercurrent.Grains.Placement;
using Countercurrent.Learning.Models;

namespace Countercurrent.Tests.Cluster;

/// <summary>Placement without Orleans: balanced contiguous groups, pins, devices, refusals.</summary>
public sealed class PlacementPlannerTests
{
    private static readonly SiloDescription A = new("a", "addr-a", ["cpu"], 1);
    private static readonly SiloDescription B = new("b", "addr-b", ["cpu", "cuda:0", "cuda:1"], 1);
    private static readonly SiloDescription C = new("c", "addr-c", ["cpu"], 1);

    private static LayerSpec[] Chain(string model) => JobSpecValidator.Validate(new JobSpec { Model = model, Dataset = "synthetic" });

    [Fact]
    public void The_cheap_top_layer_joins_layer_0_so_the_busiest_silo_has_the_least_work()
    {
        // 784x1024, 1024x1024, 1024x10: layer 1 alone against layers 0 and 2 is the most even split, and worth two crossings.
        var plan = PlacementPlanner.Plan(Chain("mlp:784-1024-1024-10"), [], [B, A]);

        Assert.Equal(["a", "b", "a"], plan.Select(p => p.Silo.Name));
    }

    [Fact]
    public void The_first_group_goes_to_the_jobs_silo_so_the_input_stays_local()
    {
        var plan = PlacementPlanner.Plan(Chain("mlp:784-1024-1024-10"), [], [A, B], firstSilo: "b");

        Assert.Equal(["b", "a", "b"], plan.Select(p => p.Silo.Name));
    }

    [Theory]
    [InlineData(new[] { 1.0, 1, 1, 1, 1, 1 }, new[] { 0.01, 0.01, 0.01, 0.01, 0.01, 0 }, 3, new[] { 0, 0, 1, 1, 2, 2 })]
    [InlineData(new[] { 1.0, 1, 1, 1 }, new[] { 0.1, 0.1, 0.1, 0 }, 2, new[] { 0, 0, 1, 1 })]
    [InlineData(new[] { 8.0, 1, 1, 1 }, new[] { 0.1, 0.1, 0.1, 0 }, 2, new[] { 0, 1, 1, 1 })]
    [InlineData(new[] { 4.0, 5, 1 }, new[] { 0.1, 0.1, 0 }, 2, new[] { 0, 1, 0 })]
    [InlineData(new[] { 4.0, 5, 1 }, new[] { 10.0, 10, 0 }, 2, new[] { 0, 0, 0 })]
    [InlineData(new[] { 5.0 }, new[] { 0.0 }, 3, new[] { 0 })]
    public void Assignment_minimises_the_busiest_silo_counting_crossings_and_splits_only_when_it_pays(double[] work, double[] crossing, int count, int[] expected)
    {
        Assert.Equal(expected, PlacementPlanner.Assign(work, crossing, count));
    }

    [Fact]
    public void Plans_too_large_to_search_are_cut_into_contiguous_groups()
    {
        var work = Enumerable.Repeat(1.0, 24).ToArray();

        var groups = PlacementPlanner.Assign(work, new double[24], 4);

        Assert.Equal(PlacementPlanner.BalancedGroups(work, 4), groups);
        Assert.Equal(Enumerable.Range(0, 4).SelectMany(g => Enumerable.Repeat(g, 6)), groups);
    }

    [Fact]
    public void More_silos_than_layers_leaves_some_silos_without_layers()
    {
        var plan = PlacementPlanner.Plan(Chain("mlp:784-10"), [], [A, B, C]);

        Assert.Equal("a", Assert.Single(plan).Silo.Name);
    }

    [Fact]
    public void Pins_win_and_devices_go_round_robin_over_what_the_silo_offers()
    {
        var plan = PlacementPlanner.Plan(Chain("mlp:784-32-32-32-10"), [new(0, "b"), new(1, "b"), new(2, "b", "cpu")], [A, B]);

        Assert.Equal(["b", "b", "b", "b"], plan.Select(p => p.Silo.Name));
        Assert.Equal(["cpu", "cuda:0", "cpu", "cuda:1"], plan.Select(p => p.Device));
    }

    [Fact]
    public void A_pin_to_an_absent_silo_or_device_is_refused_naming_both()
    {
        var silo = Assert.Throws<JobSpecException>(() => PlacementPlanner.Plan(Chain("mlp:784-10"), [new(0, "z")], [A]));
        var device = Assert.Throws<JobSpecException>(() => PlacementPlanner.Plan(Chain("mlp:784-10"), [new(0, "a", "cuda:0")], [A]));

        Assert.Equal("placement", silo.Field);
        Assert.Contains("'z'", silo.Message);
        Assert.Contains("'cuda:0'", device.Message);
        Assert.Contains("'a'", device.Message);
    }

    [Theory]
    [InlineData(new[] { 1.0, 1, 1, 1 }, 2, new[] { 0, 0, 1, 1 })]
    [InlineData(new[] { 8.0, 1, 1, 1 }, 2, new[] { 0, 1, 1, 1 })]
    [InlineData(new[] { 1.0, 1, 1, 9 }, 2, new[] { 0, 0, 0, 1 })]
    [InlineData(new[] { 4.0, 1, 1, 1, 1, 4 }, 3, new[] { 0, 1, 1, 1, 1, 2 })]
    [InlineData(new[] { 5.0 }, 3, new[] { 0 })]
    public void Balanced_groups_minimise_the_largest_group(double[] work, int count, int[] expected)
    {
        Assert.Equal(expected, PlacementPlanner.BalancedGroups(work, count));
    }
}
