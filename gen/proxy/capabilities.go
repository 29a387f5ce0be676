package proxy

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/ifacegen/ifacegen/annotate"
)

// capabilityConversions emits the conversions between a Go value of the
// interface (or func type) it and the capability that carries it, ExportX
// and ImportX. Their contracts are in the package doc (packageDoc); each
// has a one-line doc that points there.
func (g *generator) capabilityConversions(it *annotate.Interface) {
	goType := g.qual(annotate.TypeName{Path: g.pkg.Path, Name: it.Name})
	if it.Func != nil {
		goType = g.qual(*it.Func)
	}
	g.exportConversion(it, goType)
	g.importConversion(it, goType)
}

// exportConversion emits ExportX:
//
//	func ExportBlockTemplate(v mining.BlockTemplate) *ipc.Capability {
//		switch v := v.(type) {
//		case nil:
//			return nil
//		case *BlockTemplateClient:
//			if v == nil {
//				return nil
//			}
//			return v.c.AddRef()
//		}
//		return NewBlockTemplateServer(v)
//	}
//
// A func type has no client to send back as itself: nil gives nil, any
// other func a new server.
func (g *generator) exportConversion(it *annotate.Interface, goType jen.Code) {
	newServer := jen.Return(jen.Id("New" + it.Name + "Server").Call(jen.Id("v")))
	doc := fmt.Sprintf("%s returns a new reference to a capability that carries v (see the package doc).", exportFunc(it.Name))
	body := []jen.Code{
		jen.Switch(jen.Id("v").Op(":=").Id("v").Assert(jen.Type())).Block(
			append([]jen.Code{jen.Case(jen.Nil()).Block(jen.Return(jen.Nil()))}, g.clientCases(it)...)...,
		),
		newServer,
	}
	if it.Func != nil {
		doc = fmt.Sprintf("%s returns a new reference to a capability that calls v: nil for nil, and\n"+
			"otherwise a new server for v.", exportFunc(it.Name))
		body = []jen.Code{jen.If(jen.Id("v").Op("==").Nil()).Block(jen.Return(jen.Nil())), newServer}
	}
	g.file.Comment(docComment(doc))
	g.file.Func().Id(exportFunc(it.Name)).Params(jen.Id("v").Add(goType)).Op("*").Qual(ipcPath, "Capability").Block(body...)
}

// importConversion emits ImportX:
//
//	func ImportBlockTemplate(c *ipc.Capability) mining.BlockTemplate {
//		if c == nil {
//			return nil
//		}
//		if s, ok := ipcimpl.LocalServer(c).(blockTemplateServer); ok {
//			c.Release()
//			return s.impl
//		}
//		return NewBlockTemplateClient(c)
//	}
//
// For a func type, a remote func is the Call method of a new client.
func (g *generator) importConversion(it *annotate.Interface, goType jen.Code) {
	client := clientType(it)
	doc := fmt.Sprintf("%s returns the Go value of c and takes over c (see the package doc).", importFunc(it.Name))
	local := g.localServer(it)
	remote := jen.Id("New" + client).Call(jen.Id("c"))
	if it.Func != nil {
		doc = fmt.Sprintf("%s returns the Go func of c and takes over c: nil for nil, the func itself for\n"+
			"a capability this process serves, and otherwise the Call method of a new %s.", importFunc(it.Name), client)
		remote = remote.Dot("Call")
	}
	g.file.Comment(docComment(doc))
	g.file.Func().Id(importFunc(it.Name)).Params(jen.Id("c").Op("*").Qual(ipcPath, "Capability")).Add(goType).Block(
		jen.If(jen.Id("c").Op("==").Nil()).Block(jen.Return(jen.Nil())),
		local,
		jen.Return(remote),
	)
}

// clientCases renders the cases of ExportX's type switch for the client
// proxy of it and those of the interfaces extending it: their capability
// serves it too.
//
//	case *DerivedClient:
//		if v == nil {
//			return nil
//		}
//		return v.c.AddRef()
func (g *generator) clientCases(it *annotate.Interface) []jen.Code {
	var cases []jen.Code
	for _, x := range append([]*annotate.Interface{it}, g.derivedOf(it)...) {
		cases = append(cases, jen.Case(jen.Op("*").Id(clientType(x))).Block(
			jen.If(jen.Id("v").Op("==").Nil()).Block(jen.Return(jen.Nil())),
			jen.Return(jen.Id("v").Dot("c").Dot("AddRef").Call()),
		))
	}
	return cases
}

// localServer renders the statement of ImportX that recovers the
// implementation behind a local server of it and releases c, which it no
// longer needs:
//
//	if s, ok := ipcimpl.LocalServer(c).(blockTemplateServer); ok {
//		c.Release()
//		return s.impl
//	}
//
// When interfaces extend it, their servers serve it too, and it is a
// switch:
//
//	switch s := ipcimpl.LocalServer(c).(type) {
//	case readerServer:
//		c.Release()
//		return s.impl
//	case streamServer:
//		…
//	}
func (g *generator) localServer(it *annotate.Interface) jen.Code {
	local := jen.Qual(ipcimplPath, "LocalServer").Call(jen.Id("c"))
	found := []jen.Code{jen.Id("c").Dot("Release").Call(), jen.Return(jen.Id("s").Dot("impl"))}
	derived := g.derivedOf(it)
	if len(derived) == 0 {
		return jen.If(jen.List(jen.Id("s"), jen.Id("ok")).Op(":=").Add(local).Assert(jen.Id(serverType(it))), jen.Id("ok")).Block(found...)
	}
	var cases []jen.Code
	for _, x := range append([]*annotate.Interface{it}, derived...) {
		cases = append(cases, jen.Case(jen.Id(serverType(x))).Block(found...))
	}
	return jen.Switch(jen.Id("s").Op(":=").Add(local).Assert(jen.Type())).Block(cases...)
}
