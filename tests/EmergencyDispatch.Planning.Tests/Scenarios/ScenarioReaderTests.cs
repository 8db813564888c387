using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Scenarios;

namespace EmergencyDispatch.Tests.Scenarios;

public class ScenarioReaderTests
{
    [Fact]
    public void ValidScenarioIsReadWithoutErrors()
    {
        using var folder = new ScenarioFolder();

        var (scenario, errors) = ScenarioReader.Read(folder.Path);

        Assert.Empty(errors);
        Assert.NotNull(scenario);
        Assert.Equal(2, scenario.Products.Count);
        Assert.Equal(4, scenario.Availability.Count);
        Assert.Equal(new DemandLine("R2", "BLANKET", 100, "JX", new DateOnly(2025, 3, 4), Priority.High), scenario.Demands[1]);
        Assert.Equal(new DateOnly(2025, 3, 1), scenario.StartDate);
        Assert.Equal(14, scenario.HorizonDays);
    }

    [Fact]
    public void QuotedNameKeepsItsCommasAndQuotes()
    {
        using var folder = new ScenarioFolder().Write(ScenarioReader.ProductsFile, """"
            sku,name,unit
            WATER,"Water, bottled ""still""",box
            BLANKET,Blanket,piece
            """");

        var (scenario, errors) = ScenarioReader.Read(folder.Path);

        Assert.Empty(errors.Select(ScenarioFolder.Location));
        Assert.Equal("Water, bottled \"still\"", scenario!.Products[0].Name);
    }

    [Fact]
    public void RowWithMoreFieldsThanTheHeaderIsReported()
    {
        using var folder = new ScenarioFolder().Write(ScenarioReader.ProductsFile, "sku,name,unit\nWATER,Water,box,extra\nBLANKET,Blanket,piece\n");

        var errors = folder.ErrorLocations();

        Assert.Contains("products.csv:2: row", errors);
        Assert.DoesNotContain("products.csv:3: row", errors);
    }

    [Fact]
    public void RowAfterAMultiLineFieldIsReportedWithItsOwnLine()
    {
        using var folder = new ScenarioFolder().Write(ScenarioReader.ProductsFile, "sku,name,unit\n\"WA\nTER\",Water,box\nBLANKET,Blanket,\n");

        var errors = folder.ErrorLocations();

        Assert.Contains("products.csv:2: sku", errors);
        Assert.Contains("products.csv:4: unit", errors);
    }

    [Fact]
    public void UnclosedQuoteIsReportedWithItsLine()
    {
        using var folder = new ScenarioFolder().Write(ScenarioReader.DemandsFile, """
            request_id,sku,quantity,region,due_date,priority
            R1,WATER,500,HN,2025-03-03,CRITICAL
            "R2,BLANKET,100,JX,2025-03-04,HIGH
            R3,WATER,50,HB,2025-03-05,LOW
            """);

        var errors = folder.ErrorLocations();

        Assert.Equal(["demands.csv:3: csv"], errors);
    }

    [Fact]
    public void TextAfterAClosingQuoteIsReportedWithItsLine()
    {
        using var folder = new ScenarioFolder().Write(ScenarioReader.LanesFile, """
            from_region,to_region,lead_days,unit_cost
            HB,HN,1,0.2
            HN,JX,2,0.4
            "HN"x,GD,2,0.4
            """);

        var errors = folder.ErrorLocations();

        Assert.Equal(["lanes.csv:4: csv"], errors);
    }

    [Fact]
    public void MissingColumnIsReportedAtTheHeader()
    {
        using var folder = new ScenarioFolder().Write(ScenarioReader.AvailabilityFile, """
            factory_id,factor
            F1,0
            """);

        var errors = folder.ErrorLocations();

        Assert.Equal(["availability.csv:1: date"], errors);
    }

    [Fact]
    public void ColumnsMayComeInAnyOrder()
    {
        using var folder = new ScenarioFolder().Write(ScenarioReader.ProductsFile, """
            unit,sku,name
            box,WATER,Bottled water
            piece,BLANKET,Blanket
            """);

        var (scenario, errors) = ScenarioReader.Read(folder.Path);

        Assert.Empty(errors);
        Assert.Equal(new Product("WATER", "Bottled water", "box"), scenario!.Products[0]);
    }

    [Fact]
    public void RowWithTooFewFieldsIsReportedWithItsLine()
    {
        using var folder = new ScenarioFolder().Write(ScenarioReader.CapabilitiesFile, """
            factory_id,sku,units_per_day,unit_cost
            F1,WATER,1000,0.5
            F2,BLANKET,200
            """);

        var errors = folder.ErrorLocations();

        Assert.Equal(["capabilities.csv:3: unit_cost"], errors);
    }

    [Fact]
    public void BadNumbersAreReportedWithTheirLinesAndFields()
    {
        using var folder = new ScenarioFolder()
            .Write(ScenarioReader.CapabilitiesFile, """
                factory_id,sku,units_per_day,unit_cost
                F1,WATER,fast,0.5
                F2,BLANKET,200,-1
                """)
            .Write(ScenarioReader.LanesFile, """
                from_region,to_region,lead_days,unit_cost
                HB,HN,1.5,0.2
                HN,JX,2,0.4
                """)
            .Write(ScenarioReader.DemandsFile, """
                request_id,sku,quantity,region,due_date,priority
                R1,WATER,500,HN,2025-03-03,CRITICAL
                R2,BLANKET,ten,JX,2025-03-04,HIGH
                R3,WATER,0,HB,2025-03-05,LOW
                """);

        var errors = folder.ErrorLocations();

        Assert.Equal(
            ["capabilities.csv:2: units_per_day", "capabilities.csv:3: unit_cost", "lanes.csv:2: lead_days", "demands.csv:3: quantity", "demands.csv:4: quantity"],
            errors);
    }

    [Fact]
    public void BadDatesAreReportedWithTheirLinesAndFields()
    {
        using var folder = new ScenarioFolder()
            .Write(ScenarioReader.AvailabilityFile, """
                factory_id,date,factor
                F1,03/01/2025,0
                """)
            .Write(ScenarioReader.DemandsFile, """
                request_id,sku,quantity,region,due_date,priority
                R1,WATER,500,HN,2025-02-30,CRITICAL
                """);

        var errors = folder.ErrorLocations();

        Assert.Equal(["availability.csv:2: date", "demands.csv:2: due_date"], errors);
    }

    [Fact]
    public void UnknownPriorityIsReportedWithItsLine()
    {
        using var folder = new ScenarioFolder().Write(ScenarioReader.DemandsFile, """
            request_id,sku,quantity,region,due_date,priority
            R1,WATER,500,HN,2025-03-03,CRITICAL
            R2,BLANKET,100,JX,2025-03-04,URGENT
            R3,WATER,50,HB,2025-03-05,low
            """);

        var errors = folder.ErrorLocations();

        Assert.Equal(["demands.csv:3: priority", "demands.csv:4: priority"], errors);
    }

    [Fact]
    public void DuplicateKeysAreReportedAtTheSecondOccurrence()
    {
        using var folder = new ScenarioFolder()
            .Write(ScenarioReader.ProductsFile, """
                sku,name,unit
                WATER,Bottled water,box
                BLANKET,Blanket,piece
                WATER,Water again,box
                """)
            .Write(ScenarioReader.CapabilitiesFile, """
                factory_id,sku,units_per_day,unit_cost
                F1,WATER,1000,0.5
                F2,BLANKET,200,3
                F1,WATER,900,0.4
                """)
            .Write(ScenarioReader.DemandsFile, """
                request_id,sku,quantity,region,due_date,priority
                R1,WATER,500,HN,2025-03-03,CRITICAL
                R1,BLANKET,100,JX,2025-03-04,HIGH
                """);

        var (_, errors) = ScenarioReader.Read(folder.Path);

        Assert.Equal(
            ["products.csv:4: sku", "capabilities.csv:4: factory_id,sku", "demands.csv:3: request_id"],
            errors.Select(ScenarioFolder.Location));
        Assert.Equal("duplicates line 2", errors[0].Problem);
    }

    [Fact]
    public void CapabilityOfAnUnknownFactoryIsReportedWithItsLine()
    {
        using var folder = new ScenarioFolder().Write(ScenarioReader.CapabilitiesFile, """
            factory_id,sku,units_per_day,unit_cost
            F1,WATER,1000,0.5
            F9,BLANKET,200,3
            """);

        var errors = folder.ErrorLocations();

        Assert.Equal(["capabilities.csv:3: factory_id"], errors);
    }

    [Fact]
    public void AvailabilityOfAnUnknownFactoryIsReportedWithItsLine()
    {
        using var folder = new ScenarioFolder().Write(ScenarioReader.AvailabilityFile, """
            factory_id,date,factor
            F9,2025-03-01,0
            """);

        var errors = folder.ErrorLocations();

        Assert.Equal(["availability.csv:2: factory_id"], errors);
    }

    [Fact]
    public void DemandOfAnUnknownSkuIsReportedWithItsLine()
    {
        using var folder = new ScenarioFolder().Write(ScenarioReader.DemandsFile, """
            request_id,sku,quantity,region,due_date,priority
            R1,WATER,500,HN,2025-03-03,CRITICAL
            R2,SOAP,100,JX,2025-03-04,HIGH
            """);

        var errors = folder.ErrorLocations();

        Assert.Equal(["demands.csv:3: sku"], errors);
    }

    [Fact]
    public void DemandInARegionNoFactoryOrLaneKnowsIsReportedWithItsLine()
    {
        using var folder = new ScenarioFolder().Write(ScenarioReader.DemandsFile, """
            request_id,sku,quantity,region,due_date,priority
            R1,WATER,500,XJ,2025-03-03,CRITICAL
            R2,BLANKET,100,JX,2025-03-04,HIGH
            """);

        var errors = folder.ErrorLocations();

        Assert.Equal(["demands.csv:2: region"], errors);
    }

    [Fact]
    public void MissingRequiredFileIsReportedByName()
    {
        using var folder = new ScenarioFolder().Delete(ScenarioReader.CapabilitiesFile);

        var (_, errors) = ScenarioReader.Read(folder.Path);

        var error = Assert.Single(errors);
        Assert.Equal("capabilities.csv: file: is missing", error.ToString());
    }

    [Fact]
    public void MissingAvailabilityFileIsNotAnError()
    {
        using var folder = new ScenarioFolder().Delete(ScenarioReader.AvailabilityFile);

        var (scenario, errors) = ScenarioReader.Read(folder.Path);

        Assert.Empty(errors);
        Assert.Empty(scenario!.Availability);
    }

    [Fact]
    public void EmptyFileIsReportedAtItsFirstLine()
    {
        using var folder = new ScenarioFolder().Write(ScenarioReader.FactoriesFile, "");

        var errors = folder.ErrorLocations();

        Assert.Contains("factories.csv:1: header", errors);
    }

    [Fact]
    public void BlankLinesAreSkippedWithoutShiftingLaterLines()
    {
        using var folder = new ScenarioFolder().Write(ScenarioReader.ProductsFile, "sku,name,unit\nWATER,Bottled water,box\n\nBLANKET,Blanket,piece\nSOAP,,piece\n");

        var errors = folder.ErrorLocations();

        Assert.Equal(["products.csv:5: name"], errors);
    }

    [Fact]
    public void ErrorIsPrintedAsFileLineFieldProblem()
    {
        using var folder = new ScenarioFolder().Write(ScenarioReader.DemandsFile, """
            request_id,sku,quantity,region,due_date,priority
            R1,WATER,500,HN,2025-03-03,URGENT
            """);

        var (_, errors) = ScenarioReader.Read(folder.Path);

        Assert.Equal("demands.csv:2: priority: 'URGENT' is not one of CRITICAL, HIGH, NORMAL, LOW", Assert.Single(errors).ToString());
    }

    [Fact]
    public void ErrorsOfEveryFileAreReportedTogether()
    {
        using var folder = new ScenarioFolder()
            .Write(ScenarioReader.FactoriesFile, """
                factory_id,name,region
                F1,Wuhan plant,HB
                F 2,Changsha plant,HN
                """)
            .Write(ScenarioReader.DemandsFile, """
                request_id,sku,quantity,region,due_date,priority
                R1,WATER,500,HN,2025-03-03,SOON
                """);

        var errors = folder.ErrorLocations();

        Assert.Equal(
            ["availability.csv:5: factory_id", "capabilities.csv:3: factory_id", "demands.csv:2: priority", "factories.csv:3: factory_id"],
            errors.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void BadHorizonInScenarioJsonIsReported()
    {
        using var folder = new ScenarioFolder().Write(ScenarioReader.ScenarioFile, """{"start_date": "2025-03-01", "horizon_days": 120}""");

        var errors = folder.ErrorLocations();

        Assert.Equal(["scenario.json: horizon_days"], errors);
    }

    [Fact]
    public void StockAndMaterialFilesAreReadAndWrittenBackTheSame()
    {
        using var folder = new ScenarioFolder()
            .Write(ScenarioReader.StockFile, """
                stock_id,factory_id,sku,quantity,available_date,unit_cost
                RESERVE-1,F2,WATER,5000,2025-02-20,0
                DONATION-1,F1,BLANKET,300,2025-03-05,0.1
                """)
            .Write(ScenarioReader.MaterialsFile, "material_id,name,unit\nMELTBLOWN,Melt-blown fabric,t\n")
            .Write(ScenarioReader.BomFile, "sku,material_id,per_unit\nWATER,MELTBLOWN,0.000001\n")
            .Write(ScenarioReader.MaterialSupplyFile, "material_id,region,date,quantity\nMELTBLOWN,HN,2025-03-01,2.5\n");

        var (scenario, errors) = ScenarioReader.Read(folder.Path);
        using var copy = new ScenarioFolder();
        ScenarioWriter.Write(scenario!, copy.Path);
        var (again, againErrors) = ScenarioReader.Read(copy.Path);

        Assert.Empty(errors);
        Assert.Equal(new StockLot("RESERVE-1", "F2", "WATER", 5000, new DateOnly(2025, 2, 20), 0), scenario!.StockLots[0]);
        Assert.Equal(new BomLine("WATER", "MELTBLOWN", 0.000001), Assert.Single(scenario.Bom));
        Assert.Equal(new MaterialSupply("MELTBLOWN", "HN", new DateOnly(2025, 3, 1), 2.5), Assert.Single(scenario.MaterialSupply));
        Assert.Empty(againErrors);
        Assert.Equal(scenario.StockLots, again!.StockLots);
        Assert.Equal(scenario.Materials, again.Materials);
        Assert.Equal(scenario.Bom, again.Bom);
        Assert.Equal(scenario.MaterialSupply, again.MaterialSupply);
    }

    [Fact]
    public void ScenarioWithoutStockOrMaterialsWritesNoSuchFiles()
    {
        using var folder = new ScenarioFolder();
        var (scenario, _) = ScenarioReader.Read(folder.Path);
        using var copy = new ScenarioFolder();
        foreach (var file in Directory.GetFiles(copy.Path))
            File.Delete(file);

        ScenarioWriter.Write(scenario!, copy.Path);

        Assert.False(File.Exists(Path.Combine(copy.Path, ScenarioReader.StockFile)));
        Assert.False(File.Exists(Path.Combine(copy.Path, ScenarioReader.MaterialsFile)));
        Assert.False(File.Exists(Path.Combine(copy.Path, ScenarioReader.BomFile)));
        Assert.False(File.Exists(Path.Combine(copy.Path, ScenarioReader.MaterialSupplyFile)));
    }

    [Fact]
    public void BadStockAndMaterialRowsAreReportedWithTheirLinesAndFields()
    {
        using var folder = new ScenarioFolder()
            .Write(ScenarioReader.StockFile, """
                stock_id,factory_id,sku,quantity,available_date,unit_cost
                L1,NOWHERE,WATER,10,2025-03-01,0
                L2,F1,GLOVES,10,2025-03-01,0
                L3,F1,WATER,-4,2025-03-01,0
                L4,F1,WATER,ten,2025-03-01,0
                L5,F1,WATER,10,1850-01-01,0
                L1,F1,WATER,10,2025-03-01,0
                """)
            .Write(ScenarioReader.MaterialsFile, "material_id,name,unit\nMELTBLOWN,Melt-blown fabric,t\n")
            .Write(ScenarioReader.BomFile, "sku,material_id,per_unit\nWATER,COTTON,1\nBLANKET,MELTBLOWN,0\n")
            .Write(ScenarioReader.MaterialSupplyFile, "material_id,region,date,quantity\nMELTBLOWN,HN,2025-03-01,x\nCOTTON,HN,2025-03-01,1\nMELTBLOWN,MARS,2025-03-01,1\nMELTBLOWN,HN,3025-03-01,1\n");

        var errors = folder.ErrorLocations();

        Assert.Equal(
            [
                "stock.csv:4: quantity", "stock.csv:5: quantity", "stock.csv:6: available_date", "bom.csv:3: per_unit",
                "material_supply.csv:2: quantity", "material_supply.csv:5: date", "stock.csv:7: stock_id",
                "stock.csv:2: factory_id", "stock.csv:3: sku", "bom.csv:2: material_id",
                "material_supply.csv:3: material_id", "material_supply.csv:4: region",
            ],
            errors);
    }

    [Fact]
    public void OptionsAndTheBudgetAreReadAndWrittenBackTheSame()
    {
        using var folder = new ScenarioFolder()
            .Write(ScenarioReader.OptionsFile, """
                option_id,factory_id,sku,units_per_day,unit_cost,ready_date,ramp_days,fixed_cost
                CONVERT-1,F2,WATER,500,0.4,2025-03-04,2,25000
                EXPAND-1,F1,BLANKET,50,1.5,2025-03-02,0,800.5
                """)
            .Write(ScenarioReader.ScenarioFile, """{"start_date": "2025-03-01", "horizon_days": 7, "option_budget": 30000}""");

        var (scenario, errors) = ScenarioReader.Read(folder.Path);
        using var copy = new ScenarioFolder();
        ScenarioWriter.Write(scenario!, copy.Path);
        var (again, againErrors) = ScenarioReader.Read(copy.Path);

        Assert.Empty(errors);
        Assert.Equal(new ProductionOption("CONVERT-1", "F2", "WATER", 500, 0.4, new DateOnly(2025, 3, 4), 2, 25000), scenario!.Options[0]);
        Assert.Equal(30000, scenario.OptionBudget);
        Assert.Empty(againErrors);
        Assert.Equal(scenario.Options, again!.Options);
        Assert.Equal(30000, again.OptionBudget);
    }

    [Fact]
    public void BadOptionRowsAndBudgetsAreReportedWithTheirLinesAndFields()
    {
        using var folder = new ScenarioFolder()
            .Write(ScenarioReader.OptionsFile, """
                option_id,factory_id,sku,units_per_day,unit_cost,ready_date,ramp_days,fixed_cost
                O1,NOWHERE,WATER,10,1,2025-03-02,0,10
                O2,F1,GLOVES,10,1,2025-03-02,0,10
                O3,F1,WATER,0,1,2025-03-02,0,10
                O4,F1,WATER,10,1,1850-03-02,0,10
                O5,F1,WATER,10,1,2025-03-02,1.5,10
                O6,F1,WATER,10,1,2025-03-02,400,10
                O7,F1,WATER,10,1,2025-03-02,0,-5
                O8,F1,WATER,10,1,2025-03-02,0,lots
                O1,F1,WATER,10,1,2025-03-02,0,10
                """)
            .Write(ScenarioReader.ScenarioFile, """{"start_date": "2025-03-01", "option_budget": "a lot"}""");

        var errors = folder.ErrorLocations();

        Assert.Equal(
            [
                "options.csv:4: units_per_day", "options.csv:5: ready_date", "options.csv:6: ramp_days", "options.csv:7: ramp_days",
                "options.csv:8: fixed_cost", "options.csv:9: fixed_cost", "scenario.json: option_budget", "options.csv:10: option_id",
                "options.csv:2: factory_id", "options.csv:3: sku",
            ],
            errors);
    }

    [Fact]
    public void ANegativeBudgetIsRefused()
    {
        using var folder = new ScenarioFolder().Write(ScenarioReader.ScenarioFile, """{"start_date": "2025-03-01", "option_budget": -1}""");

        Assert.Equal(["scenario.json: option_budget"], folder.ErrorLocations());
    }
}
