using Countercurrent.Silo.Hosting;
using Microsoft.Extensions.Hosting;

Countercurrent.Learning.TorchRuntime.PrepareEnvironment();
var builder = Host.CreateApplicationBuilder(args);
builder.AddCountercurrentSilo();
await builder.Build().RunAsync();
