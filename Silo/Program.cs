using Countercurrent.Silo.Hosting;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddCountercurrentSilo();
await builder.Build().RunAsync();
