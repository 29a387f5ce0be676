package proxy

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/ifacegen/ifacegen/annotate"
	"github.com/ifacegen/ifacegen/gen/schema"
)

// This file emits what calls cross the wire with: one capnprpc.Method
// per method, the client proxies' methods (each a call of ipcimpl.Call)
// and the server adapters (a Dispatch switch on the method, then one
// short method per interface method).

// methodVar is the name of the package-level capnprpc.Method of m, a
// method of it: methodMiningGetTip.
func methodVar(it *annotate.Interface, m *annotate.Method) string {
	return "method" + it.Name + upperFirst(m.Name)
}

// layout returns the layout of the struct whose bindings type is stype:
// a struct, map entry or box of this package's schema, or the params or
// results of one of its methods.
func (g *generator) layout(stype string) schema.StructLayout {
	if l, ok := g.layouts.Structs[stype]; ok {
		return l
	}
	for _, it := range g.pkg.Interfaces {
		for _, m := range it.Methods {
			switch stype {
			case paramsType(it, m):
				return g.layouts.Params[it.Name][m.WireName]
			case resultsType(it, m):
				return g.layouts.Results[it.Name][m.WireName]
			}
		}
	}
	panic(fmt.Sprintf("proxy: no layout for struct %s", stype))
}

// pointerIndex returns the pointer index of field wire of the struct
// whose bindings type is stype.
func (g *generator) pointerIndex(stype, wire string) int {
	i, ok := g.layout(stype).Pointer[wire]
	if !ok {
		panic(fmt.Sprintf("proxy: %s.%s is not a pointer field", stype, wire))
	}
	return int(i)
}

// objectSize renders the capnp.ObjectSize of the struct stype.
func (g *generator) objectSize(stype string) jen.Code {
	l := g.layout(stype)
	return jen.Qual(capnpPath, "ObjectSize").Values(
		jen.Id("DataSize").Op(":").Lit(int(l.DataWords)*8),
		jen.Id("PointerCount").Op(":").Lit(int(l.Pointers)),
	)
}

// methodVars emits the wire identity of each live method of it:
//
//	var methodMiningGetTip = capnprpc.Method{InterfaceID: Mining_TypeID, MethodID: 2,
//		Name: "mining.Mining.GetTip", ParamsSize: capnp.ObjectSize{…}}
func (g *generator) methodVars(it *annotate.Interface) {
	var defs []jen.Code
	for _, m := range it.Methods {
		if m.Retired || m.WireOnly {
			continue
		}
		defs = append(defs, jen.Id(methodVar(it, m)).Op("=").Qual(capnprpcPath, "Method").Values(
			jen.Id("InterfaceID").Op(":").Id(it.Name+"_TypeID"),
			jen.Id("MethodID").Op(":").Lit(m.Ordinal),
			jen.Id("Name").Op(":").Lit(methodPath(g.pkg, it, m)),
			jen.Id("ParamsSize").Op(":").Add(g.objectSize(paramsType(it, m))),
		))
	}
	if len(defs) == 0 {
		return
	}
	g.file.Comment(fmt.Sprintf("The methods of %s.%s on the wire.", g.pkg.Name, it.Name))
	g.file.Var().Defs(defs...)
}

// client emits the client proxy of it.
func (g *generator) client(it *annotate.Interface) {
	f := g.file
	name := clientType(it)
	ifaceRef := g.pkg.Name + "." + it.Name

	if it.Func != nil {
		f.Comment(docComment(fmt.Sprintf("%s calls a %s func in another process; its method value Call is\n"+
			"what a receiver of a %s gets. Call is safe for concurrent use; it fails as a method of an\n"+
			"interface client does (an error result, or a panic with an *ipc.Error without one).", name, ifaceRef, ifaceRef)))
	} else {
		doc := fmt.Sprintf("%s calls a %s in another process; the package doc says how its\n"+
			"methods fail.", name, ifaceRef)
		if it.Doc != "" {
			doc += "\n\n" + it.Doc
		}
		f.Comment(docComment(doc))
	}
	f.Type().Id(name).Struct(jen.Id("c").Op("*").Qual(ipcPath, "Capability"))
	f.Line()
	if it.Func == nil {
		// var _ mining.Mining = (*MiningClient)(nil)
		f.Comment(fmt.Sprintf("If this fails to compile, %s changed: regenerate (go generate).", ifaceRef))
		f.Var().Id("_").Add(g.qual(annotate.TypeName{Path: g.pkg.Path, Name: it.Name})).Op("=").
			Parens(jen.Op("*").Id(name)).Parens(jen.Nil())
	}

	// func NewMiningClient(c *ipc.Capability) *MiningClient {
	// 	client := &MiningClient{c: c}
	// 	runtime.AddCleanup(client, (*ipc.Capability).Release, c)
	// 	return client
	// }
	f.Comment(docComment(fmt.Sprintf("New%s returns a client that calls c, a capability serving %s, typically\n"+
		"what (*ipc.Conn).Bootstrap returns. The client takes over c: its Release releases c. A\n"+
		"client that becomes unreachable without Release releases c when it is garbage collected;\n"+
		"call Release rather than rely on that.", name, ifaceRef)))
	f.Func().Id("New"+name).Params(jen.Id("c").Op("*").Qual(ipcPath, "Capability")).Op("*").Id(name).Block(
		jen.Id("client").Op(":=").Op("&").Id(name).Values(jen.Id("c").Op(":").Id("c")),
		jen.Qual(runtimePath, "AddCleanup").Call(jen.Id("client"),
			jen.Parens(jen.Op("*").Qual(ipcPath, "Capability")).Dot("Release"), jen.Id("c")),
		jen.Return(jen.Id("client")),
	)

	// func (c *MiningClient) Release() { c.c.Release() }
	if d := destroyMethod(g.pkg, it); d != nil {
		// The libmultiprocess dialect: destroy @0 frees the object on
		// the peer, and its clients call it before they release it.
		f.Comment(docComment(fmt.Sprintf("Release calls %s on the remote object (the libmultiprocess dialect: the peer frees\n"+
			"the object then; its error is dropped) and releases the capability the client calls. Calls\n"+
			"made after Release fail; a second Release does nothing.", d.Name)))
		f.Func().Params(jen.Id("c").Op("*").Id(name)).Id("Release").Params().Block(
			jen.Qual(ipcimplPath, "Destroy").Call(jen.Id("c").Dot("c"), jen.Op("&").Id(methodVar(it, d))),
			jen.Id("c").Dot("c").Dot("Release").Call(),
		)
	} else {
		f.Comment(docComment("Release releases the capability the client calls. Calls made after Release fail."))
		f.Func().Params(jen.Id("c").Op("*").Id(name)).Id("Release").Params().Block(
			jen.Id("c").Dot("c").Dot("Release").Call(),
		)
	}

	for _, anc := range g.ancestry(it) {
		for _, m := range anc.Methods {
			if !m.Retired && !m.WireOnly { // a retired or wire-only method has no Go method
				g.clientMethod(it, anc, m)
			}
		}
	}
}

// destroyMethod returns the method a client's Release calls first: in a
// libmultiprocess dialect package, an interface's method @0 declared as
// Destroy(ctx context.Context) error (destroy @0 (context) -> ()); nil
// otherwise.
func destroyMethod(pkg *annotate.Package, it *annotate.Interface) *annotate.Method {
	if pkg.Dialect != annotate.Libmultiprocess || it.Func != nil {
		return nil
	}
	for _, m := range it.Methods {
		if m.Ordinal == 0 && m.Name == "Destroy" && !m.Retired && !m.WireOnly && !m.NoContext &&
			m.Context && m.Error && len(live(m.Params)) == 0 && len(live(m.Results)) == 0 {
			return m
		}
	}
	return nil
}

// clientMethod emits the method m of the interface it on the client proxy
// of owner: it itself, or an interface that extends it.
//
//	func (c *MiningClient) CreateNewBlock(ctx context.Context, opts mining.BlockCreateOptions) (result mining.BlockTemplate, err error) {
//		err = ipcimpl.Call(ctx, c.c, &methodMiningCreateNewBlock, func(p capnp.Struct) error {
//			return writeMining_createNewBlock_Params(Mining_createNewBlock_Params(p), opts)
//		}, func(r capnp.Struct) error {
//			return readMining_createNewBlock_Results(Mining_createNewBlock_Results(r), &result)
//		})
//		if err != nil {
//			return nil, err
//		}
//		return result, nil
//	}
func (g *generator) clientMethod(owner, it *annotate.Interface, m *annotate.Method) {
	w := g.newFn()
	goParams, goResults := live(m.Params), live(m.Results)

	// Parameters and results keep the interface's names where it has them.
	var params, results []jen.Code
	ctx := jen.Qual(contextPath, "Background").Call()
	if m.Context {
		name := w.sc.name("ctx")
		params = append(params, jen.Id(name).Qual(contextPath, "Context"))
		ctx = jen.Id(name)
	}
	args := []jen.Code{}
	for _, p := range goParams {
		name := w.sc.name(label(p))
		params = append(params, jen.Id(name).Add(g.goType(p.Type)))
		args = append(args, jen.Id(name))
	}
	var res, zeros []jen.Code
	readArgs := []jen.Code{}
	for _, r := range goResults {
		name := w.sc.name(label(r))
		results = append(results, jen.Id(name).Add(g.goType(r.Type)))
		res = append(res, jen.Id(name))
		zeros = append(zeros, g.zero(r.Type))
		readArgs = append(readArgs, jen.Op("&").Id(name))
	}
	if m.Error {
		results = append(results, jen.Err().Error())
	}
	recv := w.sc.name("c")

	// func(p capnp.Struct) error { return writeX_Params(X_Params(p), args…) }
	// (A single field that takes one step is converted in the closure
	// itself: func(p capnp.Struct) error { return ipcimpl.InField("t", writeTime(…)) }.)
	writeParams := jen.Code(jen.Nil())
	if len(goParams) > 0 {
		p, pt := w.sc.name("p"), paramsType(it, m)
		body := []jen.Code{jen.Return(jen.Id(writeFunc(pt)).Call(append([]jen.Code{jen.Id(pt).Call(jen.Id(p))}, args...)...))}
		if g.inline(pt, goParams, true, false) {
			body = finish(w.inlineSteps(jen.Id(p), pt, goParams, ref{x: args[0]}, true, fieldWrap(label(goParams[0]))))
		}
		writeParams = jen.Func().Params(jen.Id(p).Qual(capnpPath, "Struct")).Error().Block(body...)
	}
	readResults := jen.Code(jen.Nil())
	if len(goResults) > 0 {
		r, rt := w.sc.name("r"), resultsType(it, m)
		body := []jen.Code{jen.Return(jen.Id(readFunc(rt)).Call(append([]jen.Code{jen.Id(rt).Call(jen.Id(r))}, readArgs...)...))}
		if g.inline(rt, goResults, false, false) {
			body = finish(w.inlineSteps(jen.Id(r), rt, goResults, ref{x: res[0]}, false, fieldWrap(label(goResults[0]))))
		}
		readResults = jen.Func().Params(jen.Id(r).Qual(capnpPath, "Struct")).Error().Block(body...)
	}
	callArgs := []jen.Code{ctx, jen.Id(recv).Dot("c"), jen.Op("&").Id(methodVar(it, m)), writeParams, readResults}

	var body []jen.Code
	switch {
	case m.Error && len(goResults) == 0:
		body = append(body, jen.Return(jen.Qual(ipcimplPath, "Call").Call(callArgs...)))
	case m.Error:
		body = append(body,
			jen.Err().Op("=").Qual(ipcimplPath, "Call").Call(callArgs...),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(append(zeros, jen.Err())...)),
			jen.Return(append(res, jen.Nil())...),
		)
	default:
		body = append(body, jen.Qual(ipcimplPath, "MustCall").Call(callArgs...))
		if len(res) > 0 {
			body = append(body, jen.Return(res...))
		}
	}

	doc := m.Doc
	if doc == "" {
		doc = fmt.Sprintf("%s calls %s in the other process.", m.Name, methodPath(g.pkg, it, m))
	}
	g.file.Comment(docComment(doc))
	g.file.Func().Params(jen.Id(recv).Op("*").Id(clientType(owner))).Id(m.Name).
		Params(params...).Params(results...).Block(body...)
}

// server emits the server adapter of it: New<It>Server, the adapter type,
// its Dispatch and one serve method per live method.
func (g *generator) server(it *annotate.Interface) {
	f := g.file
	goIface := g.qual(annotate.TypeName{Path: g.pkg.Path, Name: it.Name})
	if it.Func != nil {
		goIface = g.qual(*it.Func)
	}
	srv := serverType(it)
	ifaceRef := g.pkg.Name + "." + it.Name

	// func NewMiningServer(impl mining.Mining) *ipc.Capability {
	// 	return ipcimpl.NewServer(miningServer{impl: impl}, impl)
	// }
	f.Comment(docComment(fmt.Sprintf("New%sServer returns a capability that serves impl: calls to it, usually made by a\n"+
		"%s in another process, run impl's methods, concurrently. The caller owns the\n"+
		"returned capability: hand it to ipc.Options.Bootstrap (which takes it over) or Release it.\n"+
		"\n"+
		"An error impl returns reaches the caller as an *ipc.RemoteError with the same message. A\n"+
		"panic in impl becomes that call's error and the server keeps serving. Once the last\n"+
		"reference to the capability is released and every call has returned, impl is closed if it\n"+
		"is an io.Closer.", it.Name, clientType(it))))
	f.Func().Id("New"+it.Name+"Server").Params(jen.Id("impl").Add(goIface)).Op("*").Qual(ipcPath, "Capability").Block(
		jen.Return(jen.Qual(ipcimplPath, "NewServer").Call(
			jen.Id(srv).Values(jen.Dict{jen.Id("impl"): jen.Id("impl")}), jen.Id("impl"))),
	)

	// type miningServer struct{ impl mining.Mining }
	f.Comment(fmt.Sprintf("%s serves a %s.", srv, ifaceRef))
	f.Type().Id(srv).Struct(jen.Id("impl").Add(goIface))

	g.dispatch(it)
	for _, anc := range g.ancestry(it) {
		for _, m := range anc.Methods {
			if !m.Retired && !m.WireOnly {
				g.serverMethod(it, anc, m)
			}
		}
	}
}

// dispatch emits the adapter's Dispatch: a switch on the interface (it
// and the interfaces it extends) and the method ordinal.
//
//	func (s miningServer) Dispatch(ctx context.Context, call *capnprpc.Call) error {
//		switch call.InterfaceID() {
//		case Mining_TypeID:
//			switch call.MethodID() {
//			case 0:
//				return s.serveIsTestChain(ctx, call)
//			case 3:
//				return ipcimpl.Retired("mining.Mining.checkBlockRetired3")
//			}
//		}
//		return ipcimpl.Unknown(call)
//	}
func (g *generator) dispatch(it *annotate.Interface) {
	var ifaces []jen.Code
	for _, anc := range g.ancestry(it) {
		var methods []jen.Code
		for _, m := range anc.Methods {
			var serve jen.Code
			switch wire := g.pkg.Name + "." + anc.Name + "." + m.WireName; {
			case m.Retired:
				serve = jen.Return(jen.Qual(ipcimplPath, "Retired").Call(jen.Lit(wire)))
			case m.WireOnly:
				// The libmultiprocess dialect's construct: the runtime
				// of the connection answers it.
				serve = jen.Return(jen.Qual(ipcimplPath, "RuntimeOnly").Call(jen.Lit(wire)))
			default:
				serve = jen.Return(jen.Id("s").Dot(serveMethod(m)).Call(jen.Id("ctx"), jen.Id("call")))
			}
			methods = append(methods, jen.Case(jen.Lit(m.Ordinal)).Block(serve))
		}
		ifaces = append(ifaces, jen.Case(jen.Id(anc.Name+"_TypeID")).Block(
			jen.Switch(jen.Id("call").Dot("MethodID").Call()).Block(methods...)))
	}
	g.file.Comment("Dispatch runs the method call names.")
	g.file.Func().Params(jen.Id("s").Id(serverType(it))).Id("Dispatch").
		Params(jen.Id("ctx").Qual(contextPath, "Context"), jen.Id("call").Op("*").Qual(capnprpcPath, "Call")).Error().Block(
		jen.Switch(jen.Id("call").Dot("InterfaceID").Call()).Block(ifaces...),
		jen.Return(jen.Qual(ipcimplPath, "Unknown").Call(jen.Id("call"))),
	)
}

// serveMethod is the name of the adapter's method that serves m.
func serveMethod(m *annotate.Method) string { return "serve" + upperFirst(m.Name) }

// serverMethod emits the method of the adapter of owner that serves m, a
// method of it (owner itself or an interface it extends):
//
//	func (s miningServer) serveCreateNewBlock(ctx context.Context, call *capnprpc.Call) (err error) {
//		defer ipcimpl.Recover(ctx, &methodMiningCreateNewBlock, &err)
//		var opts mining.BlockCreateOptions
//		if err := readMining_createNewBlock_Params(Mining_createNewBlock_Params(call.Params()), &opts); err != nil {
//			return ipcimpl.ParamsError(&methodMiningCreateNewBlock, err)
//		}
//		result, err := s.impl.CreateNewBlock(ctx, opts)
//		if err != nil {
//			return ipcimpl.ServerError(err)
//		}
//		return ipcimpl.Results(call, &methodMiningCreateNewBlock, capnp.ObjectSize{…}, func(r capnp.Struct) error {
//			return writeMining_createNewBlock_Results(Mining_createNewBlock_Results(r), result)
//		})
//	}
func (g *generator) serverMethod(owner, it *annotate.Interface, m *annotate.Method) {
	w := g.newFn("s", "ctx", "call")
	goParams, goResults := live(m.Params), live(m.Results)
	method := jen.Op("&").Id(methodVar(it, m))

	body := []jen.Code{jen.Defer().Qual(ipcimplPath, "Recover").Call(jen.Id("ctx"), method, jen.Op("&").Err())}

	var args []jen.Code
	if len(goParams) > 0 {
		var defs []jen.Code
		pt := paramsType(it, m)
		read := []jen.Code{jen.Id(pt).Call(jen.Id("call").Dot("Params").Call())}
		for _, p := range goParams {
			name := w.sc.name(label(p))
			defs = append(defs, jen.Id(name).Add(g.goType(p.Type)))
			read = append(read, jen.Op("&").Id(name))
			args = append(args, jen.Id(name))
		}
		decl := jen.Var().Defs(defs...)
		if len(defs) == 1 {
			decl = jen.Var().Add(defs[0])
		}
		paramsError := func(err jen.Code) jen.Code { return jen.Qual(ipcimplPath, "ParamsError").Call(method, err) }
		if g.inline(pt, goParams, false, true) {
			// if err := readTime(ipcimpl.Field(call.Params(), 0), &t); err != nil {
			// 	return ipcimpl.ParamsError(&methodTimesEcho, ipcimpl.InField("t", err))
			// }
			wrap := func(err jen.Code) jen.Code { return paramsError(fieldWrap(label(goParams[0]))(err)) }
			steps := w.inlineSteps(jen.Id("call").Dot("Params").Call(), pt, goParams, ref{x: args[0]}, false, wrap)
			body = append(append(body, decl), render(steps)...)
		} else {
			body = append(body, decl, jen.If(
				jen.Err().Op(":=").Id(readFunc(pt)).Call(read...),
				jen.Err().Op("!=").Nil(),
			).Block(jen.Return(paramsError(jen.Err()))))
		}
	}

	implArgs := args
	if m.Context {
		implArgs = append([]jen.Code{jen.Id("ctx")}, args...)
	}
	implCall := jen.Id("s").Dot("impl").Dot(m.Name).Call(implArgs...)
	if it.Func != nil {
		implCall = jen.Id("s").Dot("impl").Call(implArgs...)
	}
	var res []jen.Code
	for _, r := range goResults {
		res = append(res, jen.Id(w.sc.name(label(r))))
	}
	// An error wrapping an //ipc:error sentinel carries the sentinel's code.
	implErr := jen.Return(jen.Qual(ipcimplPath, "ServerError").Call(jen.Err()))
	switch {
	case len(res) == 0 && m.Error:
		body = append(body, jen.Return(jen.Qual(ipcimplPath, "ServerError").Call(implCall)))
	case len(res) == 0:
		body = append(body, implCall, jen.Return(jen.Nil()))
	case m.Error:
		body = append(body,
			jen.List(append(res, jen.Err())...).Op(":=").Add(implCall),
			jen.If(jen.Err().Op("!=").Nil()).Block(implErr),
		)
	default:
		body = append(body, jen.List(res...).Op(":=").Add(implCall))
	}
	if len(res) > 0 {
		r, rt := w.sc.name("r"), resultsType(it, m)
		writeBody := []jen.Code{jen.Return(jen.Id(writeFunc(rt)).Call(append([]jen.Code{jen.Id(rt).Call(jen.Id(r))}, res...)...))}
		if g.inline(rt, goResults, true, false) {
			writeBody = finish(w.inlineSteps(jen.Id(r), rt, goResults, ref{x: res[0]}, true, fieldWrap(label(goResults[0]))))
		}
		write := jen.Func().Params(jen.Id(r).Qual(capnpPath, "Struct")).Error().Block(writeBody...)
		body = append(body, jen.Return(jen.Qual(ipcimplPath, "Results").Call(jen.Id("call"), method, g.objectSize(rt), write)))
	}

	g.file.Comment(fmt.Sprintf("%s serves %s.", serveMethod(m), methodPath(g.pkg, it, m)))
	g.file.Func().Params(jen.Id("s").Id(serverType(owner))).Id(serveMethod(m)).
		Params(jen.Id("ctx").Qual(contextPath, "Context"), jen.Id("call").Op("*").Qual(capnprpcPath, "Call")).
		Params(jen.Err().Error()).Block(body...)
}
