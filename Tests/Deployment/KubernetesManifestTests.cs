using System.Reflection;
using Countercurrent.Silo.Hosting;
using static Countercurrent.Tests.Deployment.KubernetesManifests;

namespace Countercurrent.Tests.Deployment;

/// <summary>The k8s/ manifests agree with what the silo and client code rely on.</summary>
public sealed class KubernetesManifestTests
{
    private readonly KubernetesManifests _manifests = new();

    [Fact]
    public void Every_manifest_parses_and_is_listed_in_the_kustomization()
    {
        Assert.NotEmpty(_manifests.Documents);
        Assert.All(_manifests.Documents, d =>
        {
            Assert.False(string.IsNullOrEmpty(Text(d.Root, "apiVersion")), $"{d.File}: apiVersion");
            Assert.False(string.IsNullOrEmpty(Text(d.Root, "kind")), $"{d.File}: kind");
        });
        var kustomization = _manifests.OfKind("Kustomization").Single();
        var listed = ((YamlDotNet.RepresentationModel.YamlSequenceNode)Node(kustomization, "resources")!).Children.Select(c => c.ToString()).ToHashSet();
        var files = Directory.GetFiles(_manifests.Folder, "*.yaml").Select(f => Path.GetFileName(f)).Where(f => f != "kustomization.yaml");
        Assert.All(files, f => Assert.Contains(f, listed));
        Assert.All(listed, f => Assert.True(File.Exists(Path.Combine(_manifests.Folder, f)), $"kustomization lists missing {f}"));
    }

    [Fact]
    public void Silo_pods_carry_the_orleans_labels_downward_api_variables_and_valid_silo_settings()
    {
        var silos = SiloWorkloads().ToList();
        Assert.NotEmpty(silos);
        var siloOptions = typeof(SiloOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToHashSet();
        foreach (var workload in silos)
        {
            var name = Text(workload, "metadata", "name");
            var container = Containers(workload).Single(c => Text(c, "image")!.StartsWith("countercurrent-silo:", StringComparison.Ordinal));
            var env = Env(container);
            Assert.Equal(Text(env["ORLEANS_SERVICE_ID"], "value"), Text(workload, "spec", "template", "metadata", "labels", "orleans/serviceId"));
            Assert.Equal(Text(env["ORLEANS_CLUSTER_ID"], "value"), Text(workload, "spec", "template", "metadata", "labels", "orleans/clusterId"));
            Assert.Equal("metadata.name", Text(env["POD_NAME"], "valueFrom", "fieldRef", "fieldPath"));
            Assert.Equal("metadata.namespace", Text(env["POD_NAMESPACE"], "valueFrom", "fieldRef", "fieldPath"));
            Assert.Equal("status.podIP", Text(env["POD_IP"], "valueFrom", "fieldRef", "fieldPath"));
            Assert.Equal("kubernetes", Text(env["Silo__Clustering"], "value"));
            foreach (var setting in env.Keys.Where(k => k.StartsWith("Silo__", StringComparison.Ordinal)))
            {
                Assert.True(siloOptions.Contains(setting.Split("__")[1]), $"{name}: {setting} does not bind to any SiloOptions property");
            }
            var ports = Items(Node(container, "ports")).Select(p => Text(p, "containerPort")).ToList();
            Assert.Contains(Text(env["Silo__SiloPort"], "value"), ports);
            Assert.Contains(Text(env["Silo__GatewayPort"], "value"), ports);
            Assert.Contains(Text(env["Silo__SignalPort"], "value"), ports);
            var redisHost = Text(env["Silo__Redis"], "value")!.Split(':')[0];
            Assert.Contains(redisHost, ServiceNames());
            Assert.True(int.Parse(Text(workload, "spec", "template", "spec", "terminationGracePeriodSeconds")!) > 0, $"{name}: graceful termination");
            var account = Text(workload, "spec", "template", "spec", "serviceAccountName");
            Assert.True(RoleGrantsPodAccess(account!), $"{name}: service account {account} lacks a Role with pods get/list/watch/patch");
        }
    }

    [Fact]
    public void A_gpu_silo_requests_a_gpu_and_offers_cuda_to_layers()
    {
        var gpu = SiloWorkloads().Where(w => Containers(w).Any(c => Text(c, "resources", "limits", "nvidia.com/gpu") is not null)).ToList();
        Assert.NotEmpty(gpu);
        foreach (var workload in gpu)
        {
            var env = Env(Containers(workload).Single());
            Assert.StartsWith("cuda:", Text(env["Silo__Devices__0"], "value"));
        }
    }

    [Fact]
    public void The_client_job_trains_on_the_cluster_through_a_redis_service_that_exists()
    {
        var job = _manifests.OfKind("Job").Single();
        var container = Containers(job).Single();
        Assert.StartsWith("countercurrent-client:", Text(container, "image"));
        var args = ((YamlDotNet.RepresentationModel.YamlSequenceNode)Node(container, "args")!).Children.Select(c => c.ToString()).ToList();
        Assert.Equal("train", args[0]);
        var cluster = args[args.IndexOf("--cluster") + 1];
        Assert.StartsWith("redis://", cluster);
        Assert.Contains(new Uri(cluster).Host, ServiceNames());
    }

    [Fact]
    public void Images_are_the_ones_the_Dockerfile_builds_or_public_ones()
    {
        var dockerfile = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "Dockerfile"));
        Assert.Contains("AS silo", dockerfile);
        Assert.Contains("AS client", dockerfile);
        Assert.Contains("-t countercurrent-silo:latest", dockerfile);
        Assert.Contains("-t countercurrent-client:latest", dockerfile);
        var ours = _manifests.Documents.SelectMany(d => Containers(d.Root)).Select(c => Text(c, "image")!).Where(i => i.StartsWith("countercurrent-", StringComparison.Ordinal));
        Assert.All(ours, image => Assert.Contains(image, new[] { "countercurrent-silo:latest", "countercurrent-client:latest" }));
    }

    [Fact]
    public void The_collector_receives_otlp_where_the_silos_send_it()
    {
        foreach (var workload in SiloWorkloads())
        {
            var endpoint = new Uri(Text(Env(Containers(workload).Single())["OTEL_EXPORTER_OTLP_ENDPOINT"], "value")!);
            var service = _manifests.OfKind("Service").Single(s => Text(s, "metadata", "name") == endpoint.Host);
            Assert.Contains(Items(Node(service, "spec", "ports")), p => Text(p, "port") == endpoint.Port.ToString());
        }
    }

    private IEnumerable<YamlDotNet.RepresentationModel.YamlMappingNode> SiloWorkloads() =>
        _manifests.OfKind("Deployment").Where(d => Containers(d).Any(c => Text(c, "image")!.StartsWith("countercurrent-silo:", StringComparison.Ordinal)));

    private HashSet<string> ServiceNames() => _manifests.OfKind("Service").Select(s => Text(s, "metadata", "name")!).ToHashSet();

    private bool RoleGrantsPodAccess(string serviceAccount)
    {
        var roles = _manifests.OfKind("RoleBinding")
            .Where(b => Items(Node(b, "subjects")).Any(s => Text(s, "kind") == "ServiceAccount" && Text(s, "name") == serviceAccount))
            .Select(b => Text(b, "roleRef", "name"))
            .ToHashSet();
        return _manifests.OfKind("Role").Where(r => roles.Contains(Text(r, "metadata", "name"))).Any(role =>
            Items(Node(role, "rules")).Any(rule =>
            {
                var resources = ((YamlDotNet.RepresentationModel.YamlSequenceNode?)Node(rule, "resources"))?.Children.Select(c => c.ToString()) ?? [];
                var verbs = ((YamlDotNet.RepresentationModel.YamlSequenceNode?)Node(rule, "verbs"))?.Children.Select(c => c.ToString()).ToHashSet() ?? [];
                return resources.Contains("pods") && new[] { "get", "list", "watch", "patch" }.All(verbs.Contains);
            }));
    }
}
