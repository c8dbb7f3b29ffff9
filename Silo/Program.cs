using Countercurrent.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

Countercurrent.Learning.TorchRuntime.PrepareEnvironment();
// Settings are read once, at start: no reloading on change. With the host's default, the silo watched its working
// folder and every folder under it (inotify, one watch per folder: 103 for a folder of 50 with a subfolder each) for a
// change to appsettings.json, and woke for every file written anywhere below it, checkpoints included.
var configuration = new ConfigurationManager();
configuration.AddInMemoryCollection([new("hostBuilder:reloadConfigOnChange", "false")]);
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, Configuration = configuration });
builder.AddCountercurrentSilo();
await builder.Build().RunAsync();
